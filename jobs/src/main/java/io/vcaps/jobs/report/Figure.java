package io.vcaps.jobs.report;

/** One picture of the report: the PNG file written beside the page, its bytes, and the text that says what it shows. */
record Figure(String file, byte[] png, String caption) {
}
