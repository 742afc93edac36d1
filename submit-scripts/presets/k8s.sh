# shellcheck shell=bash
# Preset "k8s": Kubernetes, the driver in a pod (cluster mode), data and output on s3a:// or hdfs://.
#
#   SPARK_HOME=/opt/spark-3.5 VCAPS_MASTER=k8s://https://k8s.example:6443 \
#   VCAPS_K8S_IMAGE=registry.example/vcaps:0.1.0 VCAPS_K8S_UPLOAD_PATH=s3a://bucket/vcaps-upload \
#     submit-scripts/vcaps --preset k8s train --data s3a://bucket/mnist --output s3a://bucket/runs/m1 \
#       --spark spark.jars.packages=org.apache.hadoop:hadoop-aws:3.3.4 \
#       --spark spark.files=conf/mnist-small.conf --conf mnist-small.conf
#
# Needs a Spark distribution of the jar's line, 3.5 / Scala 2.12 or (-Pspark4) 4.x / Scala 2.13 (SPARK_HOME:
# the project's own jars have no Kubernetes client), an image with the same Spark on Java 17
# (apache/spark:3.5.x-scala2.12-java17-ubuntu, a 4.x one for a -Pspark4 jar, or one built FROM it with the
# application jar inside: docs/OPERATIONS.md), and a service account that may create pods.
# Environment (defaults in brackets; the launcher options win):
#   VCAPS_MASTER            [k8s://https://kubernetes.default.svc:443, the API server seen from inside a pod]
#   VCAPS_K8S_IMAGE         the container image of driver and executors (required)
#   VCAPS_K8S_NAMESPACE     [default]
#   VCAPS_K8S_SERVICE_ACCOUNT  [spark] the driver's service account (it creates the executor pods)
#   VCAPS_K8S_UPLOAD_PATH   a Hadoop URI (s3a://, hdfs://) where spark-submit puts local files for the pods:
#                           the application jar unless VCAPS_JAR is local:///... inside the image, and
#                           spark.files. Required when the jar is a local file.
#   VCAPS_EXECUTORS [2]   VCAPS_EXECUTOR_CORES [2]   VCAPS_DRIVER_MEMORY [4g]   VCAPS_EXECUTOR_MEMORY [4g]
#   VCAPS_MAX_RESULT_SIZE   spark.driver.maxResultSize (default: Spark's 1g); vcaps train needs 1.1 x its training
#                           state and the driver heap 8 x (it says so before round 1; docs/OPERATIONS.md, "Large
#                           models and many workers")
#   VCAPS_EXECUTOR_JAVACPP_CACHE  [/tmp/vcaps-javacpp-cache] where ND4J unpacks its native libraries in a pod
# The driver pod downloads spark.files into its working directory: ship a job's --conf FILE with
# --spark spark.files=FILE and name it by its base name. The launcher adds the Java 17 flags to
# spark.driver/executor.extraJavaOptions.
need SPARK_HOME "a Spark distribution of the jar's line (3.5 / Scala 2.12, or 4.x for -Pspark4) with Kubernetes"
need VCAPS_K8S_IMAGE "the container image for the driver and executor pods (the jar's Spark line, Java 17)"
case "$app_jar" in
  local:*|*://*) ;;
  *) need VCAPS_K8S_UPLOAD_PATH "where to upload the application jar $app_jar (s3a://bucket/dir), or set VCAPS_JAR=local:///path/in/image/vcaps-app.jar" ;;
esac
: "${master:=${VCAPS_MASTER:-k8s://https://kubernetes.default.svc:443}}"
: "${deploy_mode:=cluster}"
: "${driver_memory:=${VCAPS_DRIVER_MEMORY:-4g}}"
: "${executor_memory:=${VCAPS_EXECUTOR_MEMORY:-4g}}"
cores=${VCAPS_EXECUTOR_CORES:-2}
# A container's home may not be writable; /tmp is.
executor_javacpp_cache=${VCAPS_EXECUTOR_JAVACPP_CACHE:-/tmp/vcaps-javacpp-cache}
driver_javacpp_cache=$executor_javacpp_cache
spark_confs+=(
  --conf "spark.kubernetes.container.image=$VCAPS_K8S_IMAGE"
  --conf "spark.kubernetes.namespace=${VCAPS_K8S_NAMESPACE:-default}"
  --conf "spark.kubernetes.authenticate.driver.serviceAccountName=${VCAPS_K8S_SERVICE_ACCOUNT:-spark}"
  --conf "spark.executor.instances=${VCAPS_EXECUTORS:-2}"
  --conf "spark.executor.cores=$cores"
  --conf "spark.kubernetes.executor.request.cores=$cores"
  # ND4J keeps its arrays off the heap, up to as much again as the heap (JavaCPP's default limit is -Xmx), and
  # a pod over its memory limit (heap + overhead) is killed: the overhead is the heap's size.
  --conf "spark.executor.memoryOverhead=$executor_memory"
  --conf "spark.driver.memoryOverhead=$driver_memory"
  --conf "spark.executorEnv.OMP_NUM_THREADS=$cores"
  --conf "spark.kubernetes.driverEnv.OMP_NUM_THREADS=$cores"
  # Parameter averaging shards the data over the executors it starts with.
  --conf spark.dynamicAllocation.enabled=false
)
if [ -n "${VCAPS_K8S_UPLOAD_PATH:-}" ]; then
  spark_confs+=(--conf "spark.kubernetes.file.upload.path=$VCAPS_K8S_UPLOAD_PATH")
fi
if [ -n "${VCAPS_MAX_RESULT_SIZE:-}" ]; then
  spark_confs+=(--conf "spark.driver.maxResultSize=$VCAPS_MAX_RESULT_SIZE")
fi
