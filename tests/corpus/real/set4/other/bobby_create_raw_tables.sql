-- Databricks notebook source
CREATE DATABASE IF NOT EXISTS f1_raw

-- COMMAND ----------

-- CREATE CIRCUITS TABLE
DROP TABLE IF EXISTS f1_raw.circuits;
CREATE TABLE IF NOT EXISTS f1_raw.circuits(circuitId INT,
  circuitRef STRING,
  name STRING,
  location STRING,
  country STRING,
  lat DOUBLE,
  lng DOUBLE,
  alt INT,
  url STRING
)
USING csv
OPTIONS (path="/mnt/bobbyformula1dl/raw/circuits.csv", header true)

-- COMMAND ----------

SELECT * FROM f1_raw.circuits;

-- COMMAND ----------

-- CREATE RACES TABLE
DROP TABLE IF EXISTS f1_raw.races;
CREATE TABLE IF NOT EXISTS f1_raw.races(
  year INT,
  round INT,
  circuitId INT,
  name STRING,
  date DATE,
  time STRING,
  url STRING
) 
USING csv
OPTIONS (path="/mnt/bobbyformula1dl/raw/races.csv", header true)

-- COMMAND ----------

SELECT * FROM f1_raw.races;

-- COMMAND ----------

-- CREATE CONSTRUCTORS TABLE
DROP TABLE IF EXISTS f1_raw.constructors;
CREATE TABLE IF NOT EXISTS f1_raw.constructors(
constructorId INT,
constructorRef STRING, 
name STRING, 
nationality STRING, 
url STRING
) 
USING json
OPTIONS (path="/mnt/bobbyformula1dl/raw/constructors.json", header true)
 

-- COMMAND ----------

SELECT * FROM f1_raw.constructors;

-- COMMAND ----------

-- CREATE DRIVERS TABLE
DROP TABLE IF EXISTS f1_raw.drivers;
CREATE TABLE IF NOT EXISTS f1_raw.drivers(
driverId INT,
driverRef STRING, 
number INT, 
code STRING, 
name STRUCT<forename: STRING, surname: STRING>,
dob DATE,
nationality STRING,
url STRING
) 
USING json
OPTIONS (path="/mnt/bobbyformula1dl/raw/drivers.json", header true)

-- COMMAND ----------

SELECT * FROM f1_raw.drivers;

-- COMMAND ----------

-- CREATE RESULTS TABLE
DROP TABLE IF EXISTS f1_raw.results;
CREATE TABLE IF NOT EXISTS f1_raw.results(
raceId INT,
driverId INT, 
constructorId INT, 
number INT,
grid STRING, 
position INT,
positionText STRING,
positionOrder INT,
points INT,
laps INT,
time STRING,
milliseconds INT,
fastestLap INT,
rank INT,
fastestLapTime STRING,
fastestLapSpeed FLOAT,
statusId STRING
) 
USING json
OPTIONS (path="/mnt/bobbyformula1dl/raw/results.json", header true)

-- COMMAND ----------

SELECT * FROM f1_raw.results;

-- COMMAND ----------

-- CREATE PIT_STOPS TABLE
DROP TABLE IF EXISTS f1_raw.pit_stops;
CREATE TABLE IF NOT EXISTS f1_raw.pit_stops(
driverId INT,
duration STRING, 
lap INT, 
milliseconds INT, 
raceId INT,
stop INT,
time STRING
) 
USING json
OPTIONS (path="/mnt/bobbyformula1dl/raw/pit_stops.json", multiLine true)

-- COMMAND ----------

SELECT * FROM f1_raw.pit_stops;

-- COMMAND ----------

-- CREATE MULTIPLE TABLES FOR LIST OF CSV FILES
DROP TABLE IF EXISTS f1_raw.lap_times;
CREATE TABLE IF NOT EXISTS f1_raw.lap_times(
raceId INT,
driverId INT, 
lap INT, 
position INT, 
time STRING,
milliseconds INT
) 
USING csv
OPTIONS (path="/mnt/bobbyformula1dl/raw/lap_times")


-- COMMAND ----------

SELECT * FROM f1_raw.lap_times

-- COMMAND ----------

-- CREATE MULTIPLE TABLES FOR LIST OF JSON FILES
DROP TABLE IF EXISTS f1_raw.qualifying;
CREATE TABLE IF NOT EXISTS f1_raw.qualifying(
qualifyId INT,
raceId INT, 
driverId INT, 
constructorId INT, 
number INT,
position INT,
q1 STRING,
q2 STRING,
q3 STRING
) 
USING json
OPTIONS (path="/mnt/bobbyformula1dl/raw/qualifying", multiLine true)

-- COMMAND ----------

SELECT * FROM f1_raw.qualifying

-- COMMAND ----------

