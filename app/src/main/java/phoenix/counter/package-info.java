/**
 * The counter, the pair library's first client: a {@link phoenix.pair.PairTask} that prints one number per
 * step and checks, before each number, that it is exactly the one that must come next.
 */
package phoenix.counter;
