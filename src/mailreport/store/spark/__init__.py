"""The Spark engine: the contract's tables in a Parquet lake, the facts built on a
SparkSession from their single definitions."""
