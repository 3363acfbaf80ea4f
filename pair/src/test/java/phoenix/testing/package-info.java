/**
 * The one Awaitility set-up ({@link phoenix.testing.Awaits}), here beside the library's unit tests that wait on a
 * thread, and shared with the app's tests through this module's test jar; the rest of the package, the helpers
 * around real processes, lives in the app's tests.
 */
package phoenix.testing;
