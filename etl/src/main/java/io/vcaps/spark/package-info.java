/**
 * The plumbing every Spark job shares: sessions, the command line, failures that end a job with one line, and
 * output committed by renaming a staging folder into place. Imports nothing of vcaps.
 */
package io.vcaps.spark;
