/**
 * Unit tests of the command line: how {@code Options} reads durations, numbers and unknown or incomplete
 * options, that every refusal is a {@code UsageException} naming the option, and that the arguments a primary
 * hands to the standby it spawns read back as the same settings; and that status prints the README's "count"
 * where the library says "step".
 */
package phoenix.cli;
