# Databricks notebook source
# MAGIC %md Define Data Paths.

# COMMAND ----------

# TODO
# username = FILL_THIS_IN

# COMMAND ----------

# ANSWER
username = "dbacademy"

# COMMAND ----------

projectPath     = f"/dbacademy/{username}/mlmodels/profile/"
landingPath     = projectPath + "landing/"
silverDailyPath = projectPath + "daily/"
dimUserPath     = projectPath + "users/"
goldPath        = projectPath + "gold/"
