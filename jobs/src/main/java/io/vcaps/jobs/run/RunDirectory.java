package io.vcaps.jobs.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.ObjectStores;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RUN_DIR of {@code vcaps train} on any Hadoop filesystem: {@code model.zip} (the last model), {@code best.zip}
 * (the most accurate), {@code eval.json}, {@code metrics.jsonl} and {@code checkpoints/round-NNNNNNNN/}
 * ({@code model.zip} + {@code progress.json}) with {@code checkpoints/best-round-NNNNNNNN.zip}, the best model a
 * checkpoint's progress names. Every file is written under a hidden temporary name and renamed into place; a
 * checkpoint directory is renamed into place whole, and one without its {@code progress.json} is never taken as the
 * latest. On an object store ({@link ObjectStores}) each file is written straight to its key instead, and a
 * checkpoint's {@code progress.json} last.
 */
public final class RunDirectory {

    public static final String MODEL = "model.zip";
    public static final String BEST = "best.zip";
    public static final String EVAL = "eval.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String CHECKPOINTS = "checkpoints";
    static final String PROGRESS = "progress.json";
    /** The outer optimizer's state in a checkpoint (absent when the run has no outer optimizer). */
    static final String OUTER = "outer-state.bin";
    private static final Pattern CHECKPOINT = Pattern.compile("round-(\\d+)");
    private static final Pattern BEST_STATE = Pattern.compile("best-round-(\\d+)\\.zip");
    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final FileSystem fs;
    private final Path root;
    private final boolean inPlace;

    private RunDirectory(FileSystem fs, Path root, boolean inPlace) {
        this.fs = fs;
        this.root = root;
        this.inPlace = inPlace;
    }

    /**
     * Opens RUN_DIR {@code output}. A directory that already holds files is refused unless resuming: a new run never
     * mixes its checkpoints and metrics with another's.
     */
    public static RunDirectory open(Configuration conf, String output, boolean resume) throws IOException {
        Path path = new Path(output);
        FileSystem fs = path.getFileSystem(conf);
        Path root = fs.makeQualified(path);
        if (fs.exists(root)) {
            if (!fs.getFileStatus(root).isDirectory()) {
                throw new JobFailure("output " + root + " is a file, not a run directory");
            }
            if (!resume && fs.listStatus(root, p -> !p.getName().startsWith(".")).length > 0) {
                throw new JobFailure("output " + root + " already holds a training run (use --resume to continue it,"
                        + " or choose another directory)");
            }
        }
        fs.mkdirs(root);
        return new RunDirectory(fs, root, ObjectStores.writesInPlace(conf, root));
    }

    public Path root() {
        return root;
    }

    public FileSystem fileSystem() {
        return fs;
    }

    Path file(String name) {
        return new Path(root, name);
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> latestCheckpoint() throws IOException {
        return checkpoints().stream().reduce((a, b) -> b);
    }

    /** Complete checkpoints (a progress.json and a model.zip), oldest first. */
    public List<Path> checkpoints() throws IOException {
        Path dir = file(CHECKPOINTS);
        List<Path> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.isDirectory() && CHECKPOINT.matcher(s.getPath().getName()).matches()
                    && fs.exists(new Path(s.getPath(), PROGRESS)) && fs.exists(new Path(s.getPath(), MODEL))) {
                out.add(s.getPath());
            }
        }
        out.sort(Comparator.comparingLong(RunDirectory::round));
        return out;
    }

    private static long round(Path checkpoint) {
        Matcher m = CHECKPOINT.matcher(checkpoint.getName());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Reads the model of a checkpoint. */
    public VcnModel readModel(Path checkpoint) throws IOException {
        Path file = new Path(checkpoint, MODEL);
        try (InputStream in = fs.open(file)) {
            return ModelBundle.read(in, file.toString());
        }
    }

    /** Reads the progress of a checkpoint. */
    public Checkpoint readProgress(Path checkpoint) throws IOException {
        try (InputStream in = fs.open(new Path(checkpoint, PROGRESS))) {
            return JSON.readValue(in, Checkpoint.class);
        }
    }

    private Path bestState(long round) {
        return new Path(file(CHECKPOINTS), String.format("best-round-%08d.zip", round));
    }

    /** Whether the best model of {@code round} is kept for checkpoints. */
    public boolean hasBestState(long round) throws IOException {
        return fs.exists(bestState(round));
    }

    /** Keeps {@code model}, the best of {@code round}, for the checkpoints that name it as their best. */
    public void writeBestState(VcnModel model, long round) throws IOException {
        fs.mkdirs(file(CHECKPOINTS));
        writeFile(bestState(round), out -> ModelBundle.write(model, out));
    }

    /** The best model of {@code round} that a checkpoint names. */
    public VcnModel readBestState(long round) throws IOException {
        Path file = bestState(round);
        try (InputStream in = fs.open(file)) {
            return ModelBundle.read(in, file.toString());
        }
    }

    /** Reads the outer optimizer's state of a checkpoint, empty when it has none. */
    public Optional<byte[]> readOuterState(Path checkpoint) throws IOException {
        Path file = new Path(checkpoint, OUTER);
        if (!fs.exists(file)) {
            return Optional.empty();
        }
        try (InputStream in = fs.open(file)) {
            return Optional.of(in.readAllBytes());
        }
    }

    /**
     * Writes a checkpoint atomically, with the outer optimizer's state when {@code outerState} is not null, and
     * drops all but the newest {@code keep}.
     */
    public Path writeCheckpoint(VcnModel model, byte[] outerState, Checkpoint progress, int keep)
            throws IOException {
        Path dir = file(CHECKPOINTS);
        fs.mkdirs(dir);
        String name = String.format("round-%08d", progress.rounds());
        Path target = new Path(dir, name);
        Path staging = new Path(dir, "." + name + ".tmp-" + UUID.randomUUID());
        HadoopFiles.writeIntoPlace(fs, inPlace, staging, target, folder -> {
            fs.mkdirs(folder);
            HadoopFiles.create(fs, new Path(folder, MODEL), out -> ModelBundle.write(model, out));
            if (outerState != null) {
                HadoopFiles.create(fs, new Path(folder, OUTER), out -> out.write(outerState));
            }
            // Last: written in place on an object store, a checkpoint without it is never taken as the newest.
            HadoopFiles.create(fs, new Path(folder, PROGRESS),
                    out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, progress));
        });
        List<Path> all = checkpoints();
        for (int i = 0; i < all.size() - keep; i++) {
            fs.delete(all.get(i), true);
        }
        dropUnnamedBestStates();
        return target;
    }

    /** Deletes the best models no kept checkpoint names; keeps them all when a progress.json does not read. */
    private void dropUnnamedBestStates() throws IOException {
        Set<Path> named = new HashSet<>();
        for (Path checkpoint : checkpoints()) {
            try {
                Best best = readProgress(checkpoint).best();
                if (best != null) {
                    named.add(fs.makeQualified(bestState(best.round())));
                }
            } catch (IOException | RuntimeException e) {
                return;
            }
        }
        for (FileStatus s : fs.listStatus(file(CHECKPOINTS), p -> BEST_STATE.matcher(p.getName()).matches())) {
            if (!named.contains(fs.makeQualified(s.getPath()))) {
                fs.delete(s.getPath(), false);
            }
        }
    }

    /** Writes {@code eval.json}. */
    public void writeEvaluation(FinalEvaluation evaluation) throws IOException {
        writeAtomically(EVAL, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, evaluation));
    }

    /** Reads the {@code eval.json} of the run directory {@code root}. */
    public static FinalEvaluation readEvaluation(Configuration conf, Path root) throws IOException {
        return JSON.readValue(HadoopFiles.read(conf, new Path(root, EVAL)), FinalEvaluation.class);
    }

    /**
     * Writes {@code name} in RUN_DIR by writing a hidden temporary file and renaming it into place; on an object
     * store straight to its key, where a PUT replaces an object whole.
     */
    public void writeAtomically(String name, HadoopFiles.StreamWriter writer) throws IOException {
        writeFile(file(name), writer);
    }

    private void writeFile(Path target, HadoopFiles.StreamWriter writer) throws IOException {
        Path staging = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        HadoopFiles.writeIntoPlace(fs, inPlace, staging, target, file -> HadoopFiles.create(fs, file, writer));
    }
}
