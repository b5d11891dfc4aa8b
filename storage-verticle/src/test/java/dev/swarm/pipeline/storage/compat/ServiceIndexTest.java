package dev.swarm.pipeline.storage.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceIndexTest {
  static Span span(String trace, String name, long start, String attributes) {
    return new Span("s" + start, trace, null, name, SpanKind.INTERNAL, SpanStatus.UNSET, start, null, null, null,
        null, null, attributes, "[]", 0);
  }

  @Test
  void theServiceIsTheTopLevelServiceNameLowerCased() {
    assertEquals("checkout", ServiceIndex.serviceOf("{\"a\":1,\"service.name\":\"CheckOut\"}"));
    assertEquals("unknown", ServiceIndex.serviceOf("{\"nested\":{\"service.name\":\"x\"}}"));
    assertEquals("unknown", ServiceIndex.serviceOf("{\"service.name\":7}"));
    assertEquals("unknown", ServiceIndex.serviceOf("{}"));
  }

  @Test
  void rowsAreDistinctPairsAndTheEarliestStartPerServiceAndTrace() {
    ServiceIndex index = new ServiceIndex();
    String svc = "{\"service.name\":\"api\"}";
    ServiceIndex.Rows rows = index.rows(List.of(span("t1", "GET", 3000, svc), span("t1", "get", 1000, svc),
        span("t1", "db", 2000, "{}"), span("t2", "GET", 5000, svc)));
    // (tenant, service, span name): spans without a tenant are indexed under none ("").
    assertEquals(List.of(",api,get", ",unknown,db"),
        rows.spanNames.stream().map(ServiceIndexTest::text).toList());
    assertEquals(List.of("api,t1,,1970-01-01T00:00:01.000Z", "api,t2,,1970-01-01T00:00:05.000Z",
        "unknown,t1,,1970-01-01T00:00:02.000Z"), rows.traceServices.stream().map(t -> text(t, 4)).sorted().toList());

    index.committed(rows);
    ServiceIndex.Rows again = index.rows(List.of(span("t3", "GET", 1, svc)));
    assertEquals(0, again.spanNames.size()); // remembered after the commit: no statement needed
    assertEquals(1, again.traceServices.size());
  }

  @Test
  void eachTenantHasItsOwnRows() {
    ServiceIndex index = new ServiceIndex();
    String svc = "{\"service.name\":\"api\"}";
    ServiceIndex.Rows rows = index.rows(List.of(span("t1", "GET", 1, svc).withTenantId("acme"),
        span("t1", "GET", 2, svc).withTenantId("globex")));
    assertEquals(List.of("acme,api,get", "globex,api,get"), rows.spanNames.stream().map(ServiceIndexTest::text).toList());
    assertEquals(List.of("api,t1,acme", "api,t1,globex"), rows.traceServices.stream().map(ServiceIndexTest::text)
        .sorted().toList());
  }

  private static String text(Tuple t) {
    return text(t, 3);
  }

  private static String text(Tuple t, int fields) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(fields, t.size()); i++) {
      sb.append(i == 0 ? "" : ",").append(t.getValue(i));
    }
    return sb.toString();
  }
}
