/**
 * The command line of phoenix: {@code run}, {@code status} and {@code stop}, the options and their checks.
 * A thin layer over {@link phoenix.pair}; the counter it runs is {@link phoenix.counter.Counter}.
 */
package phoenix.cli;
