# shellcheck shell=bash
# Preset "standalone": a Spark standalone cluster (spark://HOST:7077), the driver on this machine (client mode).
#
#   VCAPS_MASTER=spark://master.example:7077 submit-scripts/vcaps --preset standalone train --data hdfs://... ...
#
# Environment (each has a default except the master; --master and the other launcher options win):
#   VCAPS_MASTER            spark://HOST:PORT of the standalone master
#   VCAPS_DEPLOY_MODE       client (default): progress on this console; cluster: the driver runs on a worker,
#                           which then needs the application jar at a URI it can read (VCAPS_JAR=hdfs://...)
#   VCAPS_DRIVER_MEMORY     default 4g
#   VCAPS_EXECUTOR_MEMORY   default 4g; ND4J's arrays live off the heap, up to as much again: a worker machine
#                           needs twice this per executor, though the worker's --memory counts only heaps
#   VCAPS_EXECUTOR_CORES    default 2: the cores of one executor (a worker runs as many executors as fit)
#   VCAPS_TOTAL_CORES       cap on the cores the job takes from the whole cluster (spark.cores.max); default all
#   VCAPS_MAX_RESULT_SIZE   spark.driver.maxResultSize (default: Spark's 1g); vcaps train needs 1.1 x its training
#                           state and the driver heap 8 x (it says so before round 1; docs/OPERATIONS.md, "Large
#                           models and many workers")
# Data and output must be paths every machine reads alike: hdfs://, s3a:// (with hadoop-aws, see
# docs/OPERATIONS.md), or a shared mount. The launcher adds the Java 17 flags to spark.driver/executor
# .extraJavaOptions. Executors unpack ND4J's native libraries into VCAPS_JAVACPP_CACHE (default
# ~/.javacpp/cache), as the driver does: a path each worker can write.
: "${master:=${VCAPS_MASTER:-}}"
: "${deploy_mode:=${VCAPS_DEPLOY_MODE:-client}}"
: "${driver_memory:=${VCAPS_DRIVER_MEMORY:-4g}}"
: "${executor_memory:=${VCAPS_EXECUTOR_MEMORY:-4g}}"
# Said explicitly so that vcaps train can split an executor's cores among the workers it runs at once
# (WorkerThreads); left unset, a standalone executor takes all of a worker's cores and the job cannot know how many.
spark_confs+=(--conf "spark.executor.cores=${VCAPS_EXECUTOR_CORES:-2}")
if [ -n "${VCAPS_TOTAL_CORES:-}" ]; then
  spark_confs+=(--conf "spark.cores.max=$VCAPS_TOTAL_CORES")
fi
if [ -n "${VCAPS_MAX_RESULT_SIZE:-}" ]; then
  spark_confs+=(--conf "spark.driver.maxResultSize=$VCAPS_MAX_RESULT_SIZE")
fi
