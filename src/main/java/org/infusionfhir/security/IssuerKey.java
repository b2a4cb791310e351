package org.infusionfhir.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;

/**
 * The embedded issuer's RSA signing key, kept as a private JWK in a file beside the database, so that
 * tokens stay valid across restarts and the {@code token} command signs with the same key as the server.
 */
public final class IssuerKey {

  private IssuerKey() {}

  /** Reads the key, or creates it (readable by its owner only) when the file does not exist yet. */
  public static RSAKey loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      return RSAKey.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the issuer key " + file.toAbsolutePath(), e);
    } catch (ParseException e) {
      throw new IllegalStateException("the issuer key " + file.toAbsolutePath()
          + " is not an RSA JWK; delete it to have a new one made (tokens signed with it stop working)", e);
    }
  }

  private static void create(Path file) throws IOException {
    RSAKey key;
    try {
      key = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
          .keyIDFromThumbprint(true).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the issuer key", e);
    }
    var dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    var temp = Files.createTempFile(dir, ".issuer-key", ".tmp");
    try {
      restrictToOwner(temp);
      Files.writeString(temp, key.toJSONString(), StandardCharsets.UTF_8);
      // A server and a token command starting together must end up with one key: linking fails when the
      // name exists already, so the first one wins.
      Files.createLink(file, temp);
    } catch (FileAlreadyExistsException raced) {
      // the other process made it first; use theirs
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void restrictToOwner(Path path) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the file inherits its folder's access list
    }
  }
}
