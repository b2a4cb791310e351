package org.infusionfhir.server.batch;

import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/** Which replica holds each queued or started piece of batch work ({@code infusion_batch_chunk_owner}). */
public class ChunkOwners {

  private final JdbcTemplate jdbc;

  public ChunkOwners(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public void record(String chunkId, String replica) {
    var now = System.currentTimeMillis();
    if (jdbc.update("update infusion_batch_chunk_owner set replica = ?, since = ? where chunk_id = ?",
        replica, now, chunkId) == 1) {
      return;
    }
    try {
      jdbc.update("insert into infusion_batch_chunk_owner (chunk_id, replica, since) values (?, ?, ?)",
          chunkId, replica, now);
    } catch (DuplicateKeyException raced) {
      jdbc.update("update infusion_batch_chunk_owner set replica = ?, since = ? where chunk_id = ?",
          replica, now, chunkId);
    }
  }

  public Optional<String> ownerOf(String chunkId) {
    return jdbc.queryForList("select replica from infusion_batch_chunk_owner where chunk_id = ?", String.class,
        chunkId).stream().findFirst();
  }

  public void forget(String chunkId) {
    jdbc.update("delete from infusion_batch_chunk_owner where chunk_id = ?", chunkId);
  }
}
