package phoenix.testing.cluster;

import java.io.File;

/** The test's class path, for the JVMs a test starts: the servers and clients of the cluster tests. */
final class TestClassPath {
    private TestClassPath() {
    }

    /**
     * The class path of the tests: Surefire and Failsafe name it in {@code surefire.test.class.path} (the JVM's
     * own {@code java.class.path} may be a one-jar manifest), a JVM started otherwise in {@code java.class.path}.
     *
     * @return entries separated by {@link File#pathSeparator}
     */
    static String get() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }
}
