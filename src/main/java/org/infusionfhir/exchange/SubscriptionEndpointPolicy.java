package org.infusionfhir.exchange;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which rest-hook endpoints the server may call: one listed in {@code infusion.subscriptions.allowed-endpoints},
 * or, when public endpoints are allowed, an http(s) URL whose host resolves to public addresses only.
 * Loopback, private, link-local (cloud metadata), shared and multicast addresses are refused, so a
 * Subscription cannot make the server probe the clinic's internal network.
 */
public class SubscriptionEndpointPolicy {

  private final SubscriptionProperties props;

  public SubscriptionEndpointPolicy(SubscriptionProperties props) {
    this.props = props;
  }

  /** Why the endpoint is refused, or empty when it is allowed. */
  public Optional<String> refusal(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return Optional.of("a rest-hook Subscription needs a channel.endpoint");
    }
    URI uri;
    try {
      uri = new URI(endpoint.trim());
    } catch (URISyntaxException e) {
      return Optional.of("channel.endpoint '" + endpoint + "' is not a URL");
    }
    var scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      return Optional.of("channel.endpoint '" + endpoint + "' must be an http or https URL with a host");
    }
    if (uri.getUserInfo() != null) {
      return Optional.of("channel.endpoint must not carry credentials; send them in channel.header");
    }
    if (props.allowedEndpoints().stream().anyMatch(prefix -> endpoint.trim().startsWith(prefix))) {
      return Optional.empty();
    }
    if (!props.allowPublicEndpoints()) {
      return Optional.of("channel.endpoint '" + endpoint + "' is not in infusion.subscriptions.allowed-endpoints");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(uri.getHost());
    } catch (UnknownHostException e) {
      return Optional.of("channel.endpoint host '" + uri.getHost() + "' does not resolve");
    }
    for (var address : addresses) {
      if (isInternal(address)) {
        return Optional.of("channel.endpoint '" + endpoint + "' reaches the internal address "
            + address.getHostAddress() + "; list it in infusion.subscriptions.allowed-endpoints to allow it");
      }
    }
    return Optional.empty();
  }

  static boolean isInternal(InetAddress address) {
    if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isMulticastAddress()) {
      return true;
    }
    var bytes = address.getAddress();
    if (bytes.length == 4) {
      int first = bytes[0] & 0xff;
      int second = bytes[1] & 0xff;
      // 100.64.0.0/10 carrier-grade NAT, 0.0.0.0/8 "this network", 198.18.0.0/15 benchmarking
      return first == 0 || (first == 100 && second >= 64 && second < 128) || (first == 198 && (second & 0xfe) == 18);
    }
    // fc00::/7 unique local IPv6
    return (bytes[0] & 0xfe) == 0xfc;
  }
}
