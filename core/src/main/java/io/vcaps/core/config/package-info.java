/**
 * The model and training configuration: HOCON, a {@code --conf} file's {@code vcaps { ... }} block over the defaults
 * in {@code reference.conf}. Imports nothing of vcaps.
 */
package io.vcaps.core.config;
