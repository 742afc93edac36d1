# shellcheck shell=bash
# Preset "local" (the default): Spark's embedded local[*] master, the driver and executors in one JVM on this
# machine, data and output on the local filesystem (or any Hadoop URI this machine can reach).
#
# Sourced by submit-scripts/vcaps, which has already put the command line's --master, --deploy-mode,
# --driver-memory and --executor-memory into the variables below; a preset fills only what is still empty.
# The launcher adds the Java 17 flags (--add-opens ...) to spark.driver/executor.extraJavaOptions for every
# preset. Environment: VCAPS_DRIVER_MEMORY (default 4g).
: "${master:=local[*]}"
: "${deploy_mode:=client}"
# In local mode the executors are threads of the driver: its heap is the whole job's memory.
: "${driver_memory:=${VCAPS_DRIVER_MEMORY:-4g}}"
