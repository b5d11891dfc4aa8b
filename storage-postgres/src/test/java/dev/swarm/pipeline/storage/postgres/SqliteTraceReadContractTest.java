package dev.swarm.pipeline.storage.postgres;

/**
 * The read contract against SQLite: storage-verticle's TraceWriter and TraceQueryService on a migrated file, compared
 * with another such file (the same by construction: what this run adds are the contract's own expectations).
 */
class SqliteTraceReadContractTest extends TraceReadContract {

  @Override
  protected StoreUnderTest open(String name) {
    return new SqliteStore(dir.resolve(name + ".db"));
  }
}
