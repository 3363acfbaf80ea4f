/**
 * Programs written on the library as a user would write them, which the integration tests run as real pairs:
 * fixtures, not tests, so their steps may take the time a real program's work takes.
 */
package phoenix.example;
