package org.infusionfhir.workspace;

import java.util.List;
import org.infusionfhir.security.RegisteredClients;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the clinician workspace: its page at {@code /}, its ES modules under {@code /app/}, its chart
 * library from the uPlot WebJar under {@code /webjars/}; registers it as a public SMART app; and puts its
 * pages under a Content-Security-Policy that allows scripts, styles and connections to this origin only.
 * The app itself holds no privilege: it signs in with SMART App Launch and reads the public FHIR API.
 */
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(name = "infusion.workspace.enabled", havingValue = "true", matchIfMissing = true)
@Configuration
public class WorkspaceConfig implements WebMvcConfigurer {

  /** Where the app's page and modules are in the jar. */
  static final String RESOURCES = "classpath:/workspace/";
  /** The app's own origin only; no inline script or style, no eval (uPlot sets styles through the CSSOM). */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; "
      + "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
  /**
   * What the workspace asks for: a clinician reads across patients and acknowledges safety alerts (an update
   * of the DetectedIssue, nothing else); a patient user gets their own record, read-only.
   */
  static final List<String> SCOPES = List.of("openid", "fhirUser", "launch", "launch/patient", "online_access",
      "user/*.rs", "user/DetectedIssue.u", "patient/*.rs");

  /** The client id the app signs in with (app/smart.js). */
  public static final String CLIENT_ID = "workspace";

  @Bean
  RegisteredClients.Client workspaceApp() {
    return RegisteredClients.Client.publicApp(CLIENT_ID, "Infusion clinician workspace", List.of("/"), "/", SCOPES);
  }

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addViewController("/").setViewName("forward:/app/index.html");
  }

  @Override
  public void addResourceHandlers(ResourceHandlerRegistry registry) {
    registry.addResourceHandler("/app/**").addResourceLocations(RESOURCES + "app/");
  }

  /** Before the API's chain, which would give these pages its looser policy. */
  @Bean
  @Order(1)
  SecurityFilterChain workspacePages(HttpSecurity http) throws Exception {
    http.securityMatcher("/", "/app/**", "/webjars/**")
        .csrf(AbstractHttpConfigurer::disable)
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(a -> a.anyRequest().permitAll())
        .headers(h -> h
            .frameOptions(f -> f.deny())
            .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
            // The authorization code arrives in the query: it must not leave in a Referer header.
            .referrerPolicy(r -> r.policy(ReferrerPolicy.NO_REFERRER)));
    return http.build();
  }
}
