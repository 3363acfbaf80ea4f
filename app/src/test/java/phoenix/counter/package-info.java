/**
 * Unit tests of the counter task: what it prints for each step and returns to be replicated, and how its
 * acceptance test refuses a number that does not follow the last replicated one, an injected fault, and an
 * stdout that no longer takes output.
 */
package phoenix.counter;
