package org.infusionfhir.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.subscription.api.IResourceModifiedMessagePersistenceSvc;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * R4 rest-hook subscriptions delivered to a receiver listening on 127.0.0.1 inside the test (allowed by
 * the test's infusion.subscriptions.allowed-endpoints), with retries while it fails and the endpoint policy.
 */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestHookSubscriptionTest extends FhirServerTestBase {

  private static final String SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness";

  record Received(String method, String path, String body) {}

  private HttpServer receiver;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  /** How many of the next requests the receiver answers 503, as an endpoint that is down. */
  private final AtomicInteger failNext = new AtomicInteger();
  private String patientId;
  /** The Subscriptions the running test made active; deleted after it so that none outlives it. */
  private final List<String> subscribed = new CopyOnWriteArrayList<>();
  @Autowired private IInterceptorService interceptors;
  @Autowired private IResourceModifiedMessagePersistenceSvc persistedMessages;
  @Autowired private SubscriptionDeliveryStore outbox;
  @Autowired private ChangesInFlight changesInFlight;
  @Autowired private org.springframework.jdbc.core.JdbcTemplate jdbc;
  @Autowired private org.infusionfhir.server.storage.ReplicaLease lease;

  @BeforeAll
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int status = failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : 200;
      if (status == 200) {
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), body));
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterEach
  void deleteSubscriptions() {
    failNext.set(0);
    // An active Subscription would go on matching the writes of the classes after this one, and would
    // retry its deliveries to a receiver that has stopped.
    for (var id : subscribed) {
      client.delete().resourceById("Subscription", id).execute();
      assertThat(get("/Subscription/" + id).statusCode()).isEqualTo(410);
    }
    subscribed.clear();
  }

  @AfterAll
  void stopReceiver() {
    receiver.stop(0);
  }

  private String patient() {
    if (patientId == null) {
      patientId = client.create().resource(new Patient().setActive(true)).execute().getId().getIdPart();
    }
    return patientId;
  }

  private String endpoint(String path) {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
  }

  @Test
  void seriousAdverseEventsAreSentToTheEhrAndOthersAreNot() {
    var hook = endpoint("/serious");
    subscribe("AdverseEvent?seriousness=" + SERIOUSNESS + "|Serious", hook, "application/fhir+json");

    var mild = client.create().resource(adverseEvent("Non-serious")).execute().getId().getIdPart();
    var serious = client.create().resource(adverseEvent("Serious")).execute().getId().getIdPart();

    await().atMost(Duration.ofSeconds(30)).until(() -> fromPath("/serious").size() >= 1);
    var delivered = fromPath("/serious");
    assertThat(delivered).extracting(Received::path).containsExactly("/serious/AdverseEvent/" + serious);
    assertThat(delivered.get(0).method()).isEqualTo("PUT");
    var body = (AdverseEvent) FHIR.newJsonParser().parseResource(delivered.get(0).body());
    assertThat(body.getSeriousness().getCodingFirstRep().getCode()).isEqualTo("Serious");
    assertThat(delivered).noneMatch(r -> r.path().endsWith("/" + mild));
  }

  /**
   * A write of a type no Subscription names never reaches HAPI's matcher (SubscriptionSubmissionGate): with
   * an AdverseEvent Subscription active, an Observation written before a matching AdverseEvent is not
   * checked, while the AdverseEvent is. Without the gate HAPI checks every write.
   */
  @Test
  void writesOfATypeNoSubscriptionWatchesAreNotMatched() {
    var checked = new CopyOnWriteArrayList<String>();
    Object hook = new Object() {
      @Hook(Pointcut.SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED)
      public void checked(ResourceModifiedMessage message) {
        checked.add(message.getPayloadId(FHIR).getResourceType());
      }
    };
    interceptors.registerInterceptor(hook);
    try {
      subscribe("AdverseEvent?seriousness=" + SERIOUSNESS + "|Serious", endpoint("/gate"), "application/fhir+json");
      // A type no test class subscribes to: the gate now reloads the registry before it keeps a write out, so
      // Subscriptions other classes of the shared server left on Observation would be found and match it.
      var unwatched = new org.hl7.fhir.r4.model.Basic().setSubject(new Reference("Patient/" + patient()));
      unwatched.getCode().setText("gate test");
      client.create().resource(unwatched).execute();
      client.create().resource(adverseEvent("Serious")).execute();

      await().atMost(Duration.ofSeconds(30)).until(() -> !fromPath("/gate").isEmpty());
      // Nothing is left waiting for HAPI's scheduled pass, so the Observation was either checked or never sent.
      await().atMost(Duration.ofSeconds(30)).until(() -> persistedMessages.getMessagePersistedCount() == 0);
      assertThat(checked).contains("AdverseEvent").doesNotContain("Basic");
    } finally {
      interceptors.unregisterInterceptor(hook);
    }
  }

  @Test
  void aDeliveryToAnEndpointThatIsDownIsRetriedUntilItIsUpAndTheStatusShowsIt() {
    var hook = endpoint("/completed");
    var subscriptionId = subscribe("Procedure?status=completed", hook, "application/fhir+xml");
    failNext.set(3);

    var procedure = new Procedure().setStatus(Procedure.ProcedureStatus.COMPLETED)
        .setSubject(new Reference("Patient/" + patient()));
    procedure.getCode().setText("IV infusion");
    client.create().resource(procedure).execute();

    await().atMost(Duration.ofSeconds(30)).until(() -> !fromPath("/completed").isEmpty());
    assertThat(failNext.get()).isZero();
    assertThat(fromPath("/completed").get(0).body()).startsWith("<Procedure");
    var status = deliveryStatus(subscriptionId);
    assertThat(status.getParameterValue("state").primitiveValue()).isEqualTo("ok");
    assertThat(Integer.parseInt(status.getParameterValue("failedAttempts").primitiveValue())).isEqualTo(3);
    assertThat(Integer.parseInt(status.getParameterValue("delivered").primitiveValue())).isEqualTo(1);
    assertThat(status.getParameterValue("lastError").primitiveValue()).contains("503");
    // Delivered: nothing of it is left waiting in the outbox.
    assertThat(Integer.parseInt(status.getParameterValue("pending").primitiveValue())).isZero();
  }

  /**
   * While its endpoint is down, a delivery waits in the database, not in memory: $delivery-status counts it as
   * pending, retrying, and the row is there to be claimed by any replica; it goes once the endpoint is back.
   */
  @Test
  void aDeliveryWaitsInTheOutboxWhileItsEndpointIsDown() {
    var subscriptionId = subscribe("Procedure?status=completed", endpoint("/outbox"), "application/fhir+json");
    failNext.set(Integer.MAX_VALUE);
    var procedure = new Procedure().setStatus(Procedure.ProcedureStatus.COMPLETED)
        .setSubject(new Reference("Patient/" + patient()));
    procedure.getCode().setText("IV infusion");
    var id = client.create().resource(procedure).execute().getId().getIdPart();

    await().atMost(Duration.ofSeconds(30)).until(() -> count(deliveryStatus(subscriptionId), "failedAttempts") >= 2);
    var waiting = deliveryStatus(subscriptionId);
    assertThat(waiting.getParameterValue("state").primitiveValue()).isEqualTo("retrying");
    assertThat(Integer.parseInt(waiting.getParameterValue("pending").primitiveValue())).isEqualTo(1);
    assertThat(outbox.due(java.time.Instant.now().plusSeconds(3600), 100))
        .anyMatch(row -> row.subscriptionId().equals(subscriptionId) && row.message().contains("Procedure/" + id));

    failNext.set(0);
    await().atMost(Duration.ofSeconds(30)).until(() -> !fromPath("/outbox").isEmpty());
    assertThat(fromPath("/outbox")).extracting(Received::path).containsExactly("/outbox/Procedure/" + id);
    await().atMost(Duration.ofSeconds(10)).until(() -> count(deliveryStatus(subscriptionId), "pending") == 0);
  }

  /**
   * A change handed to the matching queue of a replica that died before matching it (here: its match skipped, as
   * a kill would, and its row renamed to a replica that is gone) is kept in infusion_change_in_flight, handed back
   * to HAPI and notified once. HAPI alone deletes the change when it queues it, and the notification is lost.
   */
  @Test
  void aChangeTakenForMatchingByAReplicaThatDiedIsMatchedAgainAndNotifiedOnce() {
    var subscriptionId = subscribe("Procedure?status=in-progress", endpoint("/in-flight"), "application/fhir+json");
    var lose = new java.util.concurrent.atomic.AtomicBoolean(true);
    var lost = new java.util.concurrent.CopyOnWriteArrayList<String>();
    Object killedBeforeMatching = new Object() {
      @ca.uhn.fhir.interceptor.api.Hook(ca.uhn.fhir.interceptor.api.Pointcut.SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED)
      public boolean matching(ResourceModifiedMessage message) {
        var type = message.getPayloadId(FHIR).getResourceType();
        if ("Procedure".equals(type) && lose.get()) {
          lost.add(message.getPayloadId(FHIR).getIdPart());
          return false;
        }
        return true;
      }
    };
    interceptors.registerInterceptor(killedBeforeMatching);
    String id;
    try {
      var procedure = new Procedure().setStatus(Procedure.ProcedureStatus.INPROGRESS)
          .setSubject(new Reference("Patient/" + patient()));
      procedure.getCode().setText("IV infusion");
      id = client.create().resource(procedure).execute().getId().getIdPart();
      await().atMost(Duration.ofSeconds(30)).until(() -> lost.contains(id));
    } finally {
      lose.set(false);
      interceptors.unregisterInterceptor(killedBeforeMatching);
    }
    // The change is out of HAPI's table, held in flight in this replica's name; the replica now "dies".
    assertThat(jdbc.queryForList("SELECT replica FROM infusion_change_in_flight WHERE resource_type = 'Procedure'"
        + " AND res_id = ?", String.class, id)).containsExactly(lease.self());
    jdbc.update("UPDATE infusion_change_in_flight SET replica = 'a replica that is gone' WHERE res_id = ?", id);
    assertThat(fromPath("/in-flight")).isEmpty();

    assertThat(changesInFlight.requeueLost()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> !fromPath("/in-flight").isEmpty());
    await().atMost(Duration.ofSeconds(10)).until(() -> count(deliveryStatus(subscriptionId), "delivered") == 1);
    assertThat(fromPath("/in-flight")).extracting(Received::path).containsExactly("/in-flight/Procedure/" + id);
    // The matcher forgets the change once every Subscription was checked, which may be just after the delivery.
    await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
        "SELECT count(*) FROM infusion_change_in_flight WHERE res_id = ?", Integer.class, id) == 0);
  }

  @Test
  void endpointsOnInternalAddressesAreRefusedAndNothingIsStored() {
    int before = countOf("Subscription");
    for (var endpoint : List.of("http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/hook",
        "http://localhost:9/hook", "http://[::1]:9/hook", "ftp://127.0.0.1/hook", "http://user:pw@127.0.0.1:9/")) {
      var response = send("POST", "/Subscription", JSON, FHIR.newJsonParser().encodeResourceToString(
          subscription("Procedure?status=completed", endpoint, "application/fhir+json")));
      var outcome = assertOperationOutcome(response, 422, "endpoint");
      assertThat(outcome.getIssueFirstRep().getExpression().get(0).getValue())
          .as(endpoint).isEqualTo("Subscription.channel.endpoint");
    }
    assertThat(countOf("Subscription")).isEqualTo(before);
  }

  @Test
  void aRestHookWithoutPayloadIsRefusedRatherThanNeverNotified() {
    var response = send("POST", "/Subscription", JSON, FHIR.newJsonParser().encodeResourceToString(
        subscription("Procedure?status=completed", endpoint("/no-payload"), null)));
    var outcome = assertOperationOutcome(response, 422, "payload");
    assertThat(outcome.getIssueFirstRep().getExpression().get(0).getValue()).isEqualTo("Subscription.channel.payload");
  }

  @Test
  void theDeliveryStatusOfAnUnknownSubscriptionIsNotFound() {
    var id = unique("none");
    assertOperationOutcome(get("/Subscription/" + id + "/$delivery-status"), 404, "Subscription/" + id);
  }

  private String subscribe(String criteria, String endpoint, String payload) {
    var id = client.create().resource(subscription(criteria, endpoint, payload)).execute().getId().getIdPart();
    subscribed.add(id);
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var status = deliveryStatus(id);
      return status.getParameterValue("subscriptionStatus").primitiveValue().equals("active")
          && status.getParameterBool("matching");
    });
    return id;
  }

  private static Subscription subscription(String criteria, String endpoint, String payload) {
    var subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("EHR sync test").setCriteria(criteria);
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint)
        .setPayload(payload);
    return subscription;
  }

  private AdverseEvent adverseEvent(String seriousness) {
    var event = new AdverseEvent().setActuality(AdverseEvent.AdverseEventActuality.ACTUAL)
        .setSubject(new Reference("Patient/" + patient())).setDateElement(DateTimeType.now());
    event.setSeriousness(new CodeableConcept(new Coding(SERIOUSNESS, seriousness, null)));
    return event;
  }

  private Parameters deliveryStatus(String subscriptionId) {
    var response = get("/Subscription/" + subscriptionId + "/$delivery-status");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(Parameters.class, response.body());
  }

  /** A count in a $delivery-status answer; 0 before the Subscription's first delivery. */
  private static int count(Parameters status, String name) {
    var value = status.getParameterValue(name);
    return value == null ? 0 : Integer.parseInt(value.primitiveValue());
  }

  private List<Received> fromPath(String prefix) {
    return received.stream().filter(r -> r.path().startsWith(prefix)).toList();
  }
}
