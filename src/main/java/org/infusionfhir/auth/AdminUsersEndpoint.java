package org.infusionfhir.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The running server's side of the {@code user} command: loopback callers only, holding the secret that
 * the server writes at start into a file only its own user can read.
 */
// Only where AuthServerConfig makes the user accounts (a web server with the embedded issuer).
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnExpression("${infusion.security.enabled:true} and '${infusion.security.issuer-uri:}'.isBlank()")
@RestController
class AdminUsersEndpoint {

  static final String PATH = "/auth/admin/users";
  static final String SECRET_HEADER = "X-Infusion-Admin-Secret";
  private static final Logger log = LoggerFactory.getLogger(AdminUsersEndpoint.class);

  private final UserAccounts users;
  private final byte[] secret;

  AdminUsersEndpoint(UserAccounts users, AuthProperties props) throws IOException {
    this.users = users;
    var bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    var text = HexFormat.of().formatHex(bytes);
    this.secret = text.getBytes(StandardCharsets.UTF_8);
    var file = props.adminSecretFile().toAbsolutePath();
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
    Files.createFile(file);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the file inherits its folder's access list
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  @PostMapping(PATH)
  ResponseEntity<Map<String, String>> carryOut(HttpServletRequest http,
      @RequestHeader(name = SECRET_HEADER, required = false) String given,
      @RequestBody UserCommand.Request request) throws IOException {
    if (!InetAddress.getByName(http.getRemoteAddr()).isLoopbackAddress() || given == null
        || !MessageDigest.isEqual(secret, given.getBytes(StandardCharsets.UTF_8))) {
      log.info("user admin request refused from {}", http.getRemoteAddr());
      return ResponseEntity.status(403).body(Map.of("error", "loopback callers with the admin secret only"));
    }
    var out = new ByteArrayOutputStream();
    try {
      new UserCommand(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, System.in)
          .apply(users, request);
    } catch (IllegalArgumentException e) {
      return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
    }
    log.info("user {} {} through the admin endpoint", request.action(), request.name() == null ? "" : request.name());
    return ResponseEntity.ok(Map.of("output", out.toString(StandardCharsets.UTF_8)));
  }
}
