package org.infusionfhir.auth;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;
import org.infusionfhir.security.SignInAudit;
import org.infusionfhir.security.SignInAudit.Record;
import org.infusionfhir.security.SignInAudit.Step;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.security.web.authentication.logout.LogoutHandler;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;

/**
 * Records the sign-in page's outcomes (sign-in, sign-in failure, sign-out) in the audit trail, then does
 * what Spring Security would: back to the saved authorization request, or back to the page with
 * {@code ?error}. The app is the one whose authorization request sent the user here.
 */
final class SignInSteps implements AuthenticationSuccessHandler, AuthenticationFailureHandler, LogoutHandler {

  private final SignInAudit audit;
  private final AuthenticationSuccessHandler success = new SavedRequestAwareAuthenticationSuccessHandler();
  private final AuthenticationFailureHandler failure;
  private final HttpSessionRequestCache savedRequests = new HttpSessionRequestCache();

  SignInSteps(SignInAudit audit, String failureUrl) {
    this.audit = audit;
    this.failure = new SimpleUrlAuthenticationFailureHandler(failureUrl);
  }

  @Override
  public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response,
      Authentication authentication) throws IOException, ServletException {
    audit.record(new Record(Step.SIGN_IN, authentication.getName(), SignedInUser.fhirUser(authentication).orElse(null),
        app(request, response), null, null, null), request);
    var saved = savedRequests.getRequest(request, response);
    if (saved != null && "POST".equals(saved.getMethod()) && saved.getRedirectUrl().contains("/oauth2/authorize")) {
      // An authorization request sent as a form post (SMART "authorize-post"): Spring would return to its
      // URL without the form, so the browser goes back with the same parameters as a GET.
      savedRequests.removeRequest(request, response);
      var url = UriComponentsBuilder.fromUriString(saved.getRedirectUrl()).replaceQuery(null);
      saved.getParameterMap().forEach((name, values) -> {
        for (var value : values) {
          url.queryParam(name, UriUtils.encodeQueryParam(value, StandardCharsets.UTF_8));
        }
      });
      response.sendRedirect(url.build(true).toUriString());
      return;
    }
    success.onAuthenticationSuccess(request, response, authentication);
  }

  @Override
  public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
      AuthenticationException exception) throws IOException, ServletException {
    // The reason is for the audit reader only: the page says the same thing whatever it was.
    audit.record(new Record(Step.SIGN_IN_FAILED, clip(request.getParameter("username")), null, app(request, response), null,
        null, exception.getClass().getSimpleName() + ": " + exception.getMessage()), request);
    failure.onAuthenticationFailure(request, response, exception);
  }

  @Override
  public void logout(HttpServletRequest request, HttpServletResponse response, Authentication authentication) {
    if (authentication != null) {
      audit.record(new Record(Step.SIGN_OUT, authentication.getName(),
          SignedInUser.fhirUser(authentication).orElse(null), null, null, null, null), request);
    }
  }

  /** What was typed as a user name, cut to the longest name an account may have. */
  private static String clip(String typed) {
    return typed == null || typed.length() <= 100 ? typed : typed.substring(0, 100);
  }

  private String app(HttpServletRequest request, HttpServletResponse response) {
    var saved = savedRequests.getRequest(request, response);
    var clientIds = saved != null ? saved.getParameterValues("client_id") : null;
    return clientIds != null && clientIds.length > 0 ? clientIds[0] : null;
  }
}
