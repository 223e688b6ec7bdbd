"""The same linkage model on Splink's Spark backend, for workspaces too large for one machine.

The settings, training plan and scoring are those of `model` and `settings`; only the
database API changes. `spark_session` builds a local session (the tests use it); a team
with a cluster passes its own session to `score_on_spark`.

Confidentiality: unlike the DuckDB path, Spark writes shuffle files to its local
directories, and they hold the name keys. Lineage is broken in memory ("persist"), not
by writing Parquet checkpoints; the local session puts its scratch files in a folder
this module creates and deletes when the session stops. On a cluster, point
`spark.local.dir` at encrypted, ephemeral storage.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from refwatch.linkage.model import Scores, Step, score
from refwatch.linkage.settings import LinkageConfig


@contextmanager
def spark_session(cores: int = 2, memory: str = "2g") -> Iterator[Any]:
    """A local Spark session with Splink's similarity functions, nothing downloaded."""
    from pyspark.sql import SparkSession

    from refwatch.linkage.splink_adapter import similarity_jar

    scratch = tempfile.mkdtemp(prefix="refwatch-spark-")
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("refwatch-linkage")
        .config("spark.jars", similarity_jar())
        .config("spark.local.dir", scratch)
        .config("spark.sql.warehouse.dir", f"{scratch}/warehouse")
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={scratch}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def score_on_spark(
    table: pa.Table,
    config: LinkageConfig,
    *,
    labels: Sequence[tuple[int, int]] = (),
    step: Step = lambda _: None,
    spark: Any = None,
) -> Scores:
    """Train and score on Spark: in the given session, or in a local one made for it."""
    if spark is None:
        with spark_session() as session:
            return score_on_spark(table, config, labels=labels, step=step, spark=session)
    from splink import SparkAPI

    db_api = SparkAPI(  # type: ignore[no-untyped-call]
        spark_session=spark,
        break_lineage_method="persist",
        num_partitions_on_repartition=4,
    )

    def to_spark(arrow: pa.Table) -> Any:
        return spark.createDataFrame(arrow)

    return score(db_api, table, config, labels=labels, step=step, to_backend=to_spark)
