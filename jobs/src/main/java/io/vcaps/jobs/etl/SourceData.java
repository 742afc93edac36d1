package io.vcaps.jobs.etl;

import org.apache.spark.api.java.JavaRDD;

import java.util.List;

/**
 * What a source produces: the outcome of every input, read lazily on the executors, and what the
 * metadata needs to know about the source.
 *
 * @param entities entity names in index order, or null when they are the label numbers (IDX)
 * @param splitMethod how rows were assigned to splits: {@code files}, {@code folders} or {@code hash}
 */
record SourceData(JavaRDD<Outcome> outcomes, List<String> entities, boolean multiLabel, String splitMethod) {
}
