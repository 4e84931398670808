# Databricks notebook source
# MAGIC %md
# MAGIC # Churn feature pipeline
# MAGIC Reads raw events from `dbfs:/mnt/raw/events` and writes a feature table.

# COMMAND ----------

# MAGIC %pip install -r /Workspace/Repos/ana@acme.com/churn/requirements.txt

# COMMAND ----------

import json
import sys

import mlflow
from pyspark.sql import functions as F

sys.path.append("/databricks/driver/churn_libs")

RAW_PATH = "dbfs:/mnt/raw/events"
FEATURES_TABLE = "ml.churn_features"
EXPORT_PATH = "/dbfs/FileStore/exports/churn_features.parquet"

# COMMAND ----------

events = spark.read.format("delta").load(RAW_PATH)
features = (
    events.groupBy("customer_id")
    .agg(F.count("*").alias("n_events"), F.max("event_ts").alias("last_seen"))
)
features.write.mode("overwrite").saveAsTable(FEATURES_TABLE)

# COMMAND ----------

features.toPandas().to_parquet(EXPORT_PATH)
dbutils.fs.cp("file:/tmp/churn_report.html", "dbfs:/FileStore/reports/churn_report.html")

# COMMAND ----------

mlflow.set_experiment("/Users/ana@acme.com/churn-features")
with open("/Workspace/Shared/churn/config.json") as fh:
    cfg = json.load(fh)
mlflow.log_params(cfg)
