# shellcheck shell=bash
# Preset "yarn": Hadoop YARN, the driver inside the cluster by default (cluster mode), data and output on
# hdfs:// (or s3a://).
#
#   SPARK_HOME=/opt/spark-3.5 HADOOP_CONF_DIR=/etc/hadoop/conf VCAPS_YARN_QUEUE=ml \
#     submit-scripts/vcaps --preset yarn train --data hdfs:///vcaps/mnist --output hdfs:///vcaps/runs/m1 \
#       --spark spark.files=conf/mnist-small.conf --conf mnist-small.conf
#
# Needs a Spark distribution of the jar's line, 3.5 / Scala 2.12 or (-Pspark4) 4.x / Scala 2.13 (SPARK_HOME:
# the project's own jars have no YARN client) and HADOOP_CONF_DIR or YARN_CONF_DIR (how spark-submit finds the
# ResourceManager and HDFS).
# Environment (defaults in brackets; the launcher options win):
#   VCAPS_DEPLOY_MODE       [cluster] the driver in a YARN container; client: on this machine, progress here
#   VCAPS_YARN_QUEUE        [default] the YARN queue
#   VCAPS_EXECUTORS         [2] executors; vcaps train's default parallelism follows from them
#   VCAPS_EXECUTOR_CORES    [2] cores per executor
#   VCAPS_DRIVER_MEMORY     [4g]   VCAPS_EXECUTOR_MEMORY [4g]
#   VCAPS_MAX_RESULT_SIZE   spark.driver.maxResultSize (default: Spark's 1g); vcaps train needs 1.1 x its training
#                           state and the driver heap 8 x (it says so before round 1; docs/OPERATIONS.md, "Large
#                           models and many workers")
#   VCAPS_EXECUTOR_JAVACPP_CACHE  [/tmp/vcaps-javacpp-cache] where each node unpacks ND4J's native libraries
#                           (about 400 MB, once per node and user)
# In cluster mode the driver runs elsewhere: a job's --conf FILE must travel with it (--spark spark.files=FILE,
# then --conf BASENAME: YARN puts shipped files in the container's working directory).
# The launcher adds the Java 17 flags to spark.driver/executor.extraJavaOptions.
need SPARK_HOME "a Spark distribution of the jar's line (3.5 / Scala 2.12, or 4.x for -Pspark4) with YARN"
if [ -z "${HADOOP_CONF_DIR:-}" ] && [ -z "${YARN_CONF_DIR:-}" ]; then
  need HADOOP_CONF_DIR "the Hadoop client configuration (core-site.xml, yarn-site.xml); or set YARN_CONF_DIR"
fi
: "${master:=yarn}"
: "${deploy_mode:=${VCAPS_DEPLOY_MODE:-cluster}}"
: "${driver_memory:=${VCAPS_DRIVER_MEMORY:-4g}}"
: "${executor_memory:=${VCAPS_EXECUTOR_MEMORY:-4g}}"
cores=${VCAPS_EXECUTOR_CORES:-2}
executor_javacpp_cache=${VCAPS_EXECUTOR_JAVACPP_CACHE:-/tmp/vcaps-javacpp-cache}
if [ "$deploy_mode" = cluster ]; then
  driver_javacpp_cache=$executor_javacpp_cache
fi
spark_confs+=(
  --conf "spark.yarn.queue=${VCAPS_YARN_QUEUE:-default}"
  --conf "spark.executor.instances=${VCAPS_EXECUTORS:-2}"
  --conf "spark.executor.cores=$cores"
  # ND4J keeps its arrays off the heap, up to as much again as the heap (JavaCPP's default limit is -Xmx), and
  # YARN kills a container that outgrows heap + overhead: the overhead is the heap's size.
  --conf "spark.executor.memoryOverhead=$executor_memory"
  --conf "spark.executorEnv.OMP_NUM_THREADS=$cores"
  # Parameter averaging shards the data over the executors it starts with; executors that come and go would
  # move shards between rounds.
  --conf spark.dynamicAllocation.enabled=false
)
if [ "$deploy_mode" = cluster ]; then
  spark_confs+=(--conf "spark.driver.memoryOverhead=$driver_memory"
    --conf "spark.yarn.appMasterEnv.OMP_NUM_THREADS=$cores")
fi
if [ -n "${VCAPS_MAX_RESULT_SIZE:-}" ]; then
  spark_confs+=(--conf "spark.driver.maxResultSize=$VCAPS_MAX_RESULT_SIZE")
fi
