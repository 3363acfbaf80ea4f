package phoenix.cli;

/** A command line that cannot be run as written; the message names the option and what it accepts. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
