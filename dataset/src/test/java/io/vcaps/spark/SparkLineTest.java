package io.vcaps.spark;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A jar runs on the Spark line it was built for, and says so plainly on the other. */
class SparkLineTest {

    private static final String SPARK = org.apache.spark.package$.MODULE$.SPARK_VERSION();
    private static final String SCALA = scala.util.Properties.versionNumberString();

    @Test
    void theBuildKnowsTheSparkItWasCompiledAgainst() {
        assertEquals(SPARK, SparkLine.spark());
        assertTrue(SCALA.startsWith(SparkLine.scala() + "."), SCALA + " against " + SparkLine.scala());
        assertDoesNotThrow(SparkLine::requireRunning);
    }

    @Test
    void anotherMinorReleaseOfTheSameLineRuns() {
        String major = SparkLine.spark().split("\\.")[0];
        assertDoesNotThrow(() -> SparkLine.require(major + ".0.1", SparkLine.scala() + ".10"));
    }

    @Test
    void theOtherLineIsRefusedNamingBothAndTheBuild() {
        boolean built3 = SparkLine.spark().startsWith("3.");
        String otherSpark = built3 ? "4.2.0" : "3.5.9";
        String otherScala = built3 ? "2.13.18" : "2.12.18";
        JobFailure e = assertThrows(JobFailure.class, () -> SparkLine.require(otherSpark, otherScala));
        assertTrue(e.getMessage().contains("built for Spark " + SparkLine.spark()), e.getMessage());
        assertTrue(e.getMessage().contains("runs on Spark " + otherSpark), e.getMessage());
        assertEquals(built3, e.getMessage().contains("-Pspark4"), e.getMessage());
        assertThrows(JobFailure.class, () -> SparkLine.require(SPARK, otherScala), "same Spark, other Scala");
    }
}
