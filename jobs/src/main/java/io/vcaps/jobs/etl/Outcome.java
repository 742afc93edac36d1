package io.vcaps.jobs.etl;

import java.io.Serializable;

/** What the ETL made of one input: an {@link ImageRecord} to write, or a {@link Reject}. */
sealed interface Outcome extends Serializable permits ImageRecord, Reject {
}
