package io.vcaps.jobs.averaging;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import scala.Tuple2;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The reduce side of a round, run on an executor for each chunk: the workers' pieces arrive sorted by worker
 * (the shuffle key), and are summed in that order in float64, each weighted by its examples, then divided by the
 * total weight. The order is fixed, so the mean is the same bits whatever the number of executors and wherever the
 * tasks ran. A single finite piece is its own mean, untouched, so that one worker's average is its state exactly.
 */
final class ChunkAverage implements Function2<Integer, Iterator<Tuple2<Long, StatePiece>>, Iterator<ChunkMean>> {

    private static final long serialVersionUID = 1L;

    private final Broadcast<TrainingState> start;
    private final int chunks;

    ChunkAverage(Broadcast<TrainingState> start, int chunks) {
        this.start = start;
        this.chunks = chunks;
    }

    @Override
    public Iterator<ChunkMean> call(Integer partition, Iterator<Tuple2<Long, StatePiece>> pieces) {
        StateChunks layout = new StateChunks(start.value().slots(), chunks);
        List<StateChunks.Segment> segments = layout.segments(partition);
        List<WorkerSummary> summaries = new ArrayList<>();
        byte[] single = null;
        double singleWeight = 0;
        double[] sum = null;
        double weight = 0;
        while (pieces.hasNext()) {
            Tuple2<Long, StatePiece> next = pieces.next();
            if (StatePiece.chunk(next._1()) != partition) {
                throw new IllegalStateException("chunk " + StatePiece.chunk(next._1()) + " in partition " + partition);
            }
            StatePiece piece = next._2();
            if (piece.summary() != null) {
                summaries.add(piece.summary());
            }
            if (piece.values() == null || piece.weight() <= 0) {
                continue;
            }
            if (single == null && sum == null) {
                single = piece.values();
                singleWeight = piece.weight();
                continue;
            }
            if (sum == null) {
                sum = new double[values(segments)];
                accumulate(layout, segments, sum, single, singleWeight);
                weight = singleWeight;
                single = null;
            }
            accumulate(layout, segments, sum, piece.values(), piece.weight());
            weight += piece.weight();
        }
        ChunkMean mean;
        if (sum != null) {
            mean = new ChunkMean(partition, weight, mean(layout, segments, sum, weight), summaries);
        } else {
            mean = new ChunkMean(partition, singleWeight, single, summaries);
        }
        return Collections.singletonList(mean).iterator();
    }

    private static int values(List<StateChunks.Segment> segments) {
        int n = 0;
        for (StateChunks.Segment g : segments) {
            n += g.length();
        }
        return n;
    }

    private static void accumulate(StateChunks layout, List<StateChunks.Segment> segments, double[] sum,
            byte[] values, double w) {
        ByteBuffer in = ByteBuffer.wrap(values).order(ByteOrder.LITTLE_ENDIAN);
        int i = 0;
        for (StateChunks.Segment g : segments) {
            if (layout.layout().get(g.slot()).type() == DataType.FLOAT) {
                for (int k = 0; k < g.length(); k++, i++) {
                    sum[i] += w * in.getFloat();
                }
            } else {
                for (int k = 0; k < g.length(); k++, i++) {
                    sum[i] += w * in.getDouble();
                }
            }
        }
    }

    private static byte[] mean(StateChunks layout, List<StateChunks.Segment> segments, double[] sum, double weight) {
        ByteBuffer out = ByteBuffer.allocate(layout.byteLength(segments)).order(ByteOrder.LITTLE_ENDIAN);
        int i = 0;
        for (StateChunks.Segment g : segments) {
            if (layout.layout().get(g.slot()).type() == DataType.FLOAT) {
                for (int k = 0; k < g.length(); k++, i++) {
                    out.putFloat((float) (sum[i] / weight));
                }
            } else {
                for (int k = 0; k < g.length(); k++, i++) {
                    out.putDouble(sum[i] / weight);
                }
            }
        }
        return out.array();
    }
}
