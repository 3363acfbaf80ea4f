package phoenix.testing;

import java.lang.reflect.Constructor;

/**
 * A program on the class path that pokes at the library from outside, for {@code ModuleBoundaryTest}: one line per
 * attempt, saying what happened. Run with the library on the module path, the engine must be out of reach; run with
 * everything on the class path (the control), the same attempts succeed.
 */
public final class ModuleProbe {
    private ModuleProbe() {
    }

    /**
     * Prints {@code module NAME}, then the outcome of each attempt: {@code api ...}, {@code reflect ...} and
     * {@code split ...}.
     *
     * @param args unused
     * @throws Exception never on purpose: every attempt's failure is printed
     */
    public static void main(String[] args) throws Exception {
        Class<?> api = Class.forName("phoenix.pair.PairConfig");
        System.out.println("module " + api.getModule().getName());
        Object builder = api.getMethod("builder", String.class).invoke(null, "probe");
        System.out.println("api ok " + builder.getClass().getSimpleName());
        try {
            Class<?> engine = Class.forName("phoenix.pair.Member", false, ModuleProbe.class.getClassLoader());
            Constructor<?> c = engine.getDeclaredConstructors()[0];
            c.setAccessible(true);
            System.out.println("reflect ok");
        } catch (RuntimeException e) {
            System.out.println("reflect " + e.getClass().getSimpleName());
        }
        // A class of package phoenix.pair on the class path, beside the module that owns the package.
        try {
            Class.forName("phoenix.pair.FakeClock", false, ModuleProbe.class.getClassLoader());
            System.out.println("split ok");
        } catch (ClassNotFoundException | LinkageError e) {
            System.out.println("split " + e.getClass().getSimpleName());
        }
    }
}
