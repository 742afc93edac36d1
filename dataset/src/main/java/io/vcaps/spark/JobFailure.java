package io.vcaps.spark;

/**
 * A failure whose message is written for the person who ran the job: it says what went wrong and
 * where (a path, a file, a flag). The command line prints it as one line and exits with 1.
 */
public class JobFailure extends RuntimeException {
    public JobFailure(String message) {
        super(message);
    }

    public JobFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
