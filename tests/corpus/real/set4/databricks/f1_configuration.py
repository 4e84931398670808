# Databricks notebook source
raw_folder_path = "/mnt/sonyadatalakestorage/raw"
processed_folder_path= "/mnt/sonyadatalakestorage/processed"
presentation_folder_path="/mnt/sonyadatalakestorage/presentation"
