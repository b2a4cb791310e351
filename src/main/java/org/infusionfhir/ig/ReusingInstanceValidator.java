package org.infusionfhir.ig;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.util.XmlUtil;
import ca.uhn.fhir.validation.IValidationContext;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.io.input.ReaderInputStream;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.r5.context.IWorkerContext;
import org.hl7.fhir.r5.elementmodel.Manager.FhirFormat;
import org.hl7.fhir.r5.model.StructureDefinition;
import org.hl7.fhir.utilities.validation.ValidationMessage;
import org.hl7.fhir.utilities.validation.ValidationMessage.IssueSeverity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;

/**
 * HAPI's {@link FhirInstanceValidator} with the same settings and the same results, but it validates
 * with core validators taken from an {@link InstanceValidatorPool} instead of building a new one for
 * every resource as HAPI 8.8's (package-private) {@code ValidatorWrapper} does. What happens around the
 * core validator is what that wrapper does: the profiles asked for in the options and in
 * {@code meta.profile}, the text as HAPI encoded it, and the same messages dropped or re-levelled.
 */
final class ReusingInstanceValidator extends FhirInstanceValidator {

  private static final Logger log = LoggerFactory.getLogger(ReusingInstanceValidator.class);
  private static final String PROFILE_UNKNOWN = "Validation_VAL_Profile_Unknown";
  private static final Gson GSON = new Gson();

  private volatile InstanceValidatorPool pool;

  ReusingInstanceValidator(IValidationSupport validationSupport) {
    this(validationSupport, CoreValidatorVersion.onClassPath());
  }

  /** {@code coreVersion}: the core validation library's version found on the class path. */
  ReusingInstanceValidator(IValidationSupport validationSupport, String coreVersion) {
    super(validationSupport);
    CoreValidatorVersion.requireBuiltFor(coreVersion);
  }

  @Override
  protected List<ValidationMessage> validate(IValidationContext<?> context) {
    var worker = provideWorkerContext();
    var validators = poolFor(worker, InstanceValidatorPool.Settings.of(this));
    var text = context.getResourceAsString();
    var validator = validators.borrow();
    validator.beginValidation(text.length());
    var messages = validate(worker, validator, context, text);
    // Not in a finally: a validator whose run threw may hold that run's state, so it is not lent again.
    validators.giveBack(validator);
    return messages;
  }

  /** The pool for the current worker context and settings (a setter called later starts a new one). */
  private InstanceValidatorPool poolFor(IWorkerContext worker, InstanceValidatorPool.Settings settings) {
    var current = pool;
    if (current == null || !current.serves(worker, settings)) {
      synchronized (this) {
        current = pool;
        if (current == null || !current.serves(worker, settings)) {
          current = new InstanceValidatorPool(worker, settings);
          pool = current;
        }
      }
    }
    return current;
  }

  @Override
  public void invalidateCaches() {
    super.invalidateCaches();
    pool = null;
  }

  private List<ValidationMessage> validate(IWorkerContext worker, InstanceValidatorPool.Reusable validator,
      IValidationContext<?> context, String text) {
    var messages = new ArrayList<ValidationMessage>();
    var profiles = new ArrayList<StructureDefinition>();
    var profileErrors = new ArrayList<ValidationMessage>();
    for (var url : context.getOptions().getProfiles()) {
      addProfile(worker, url, profiles, profileErrors);
    }
    var encoding = context.getResourceAsStringEncoding();
    if (encoding == EncodingEnum.XML) {
      Document document;
      try {
        document = XmlUtil.parseDocument(text);
      } catch (Exception e) {
        log.error("Failure to parse XML input", e);
        var fatal = new ValidationMessage();
        fatal.setLevel(IssueSeverity.FATAL);
        fatal.setMessage("Failed to parse input, it does not appear to be valid XML:" + e.getMessage());
        return List.of(fatal);
      }
      for (var url : metaProfiles(document)) {
        addProfile(worker, url, profiles, profileErrors);
      }
      validator.validate(null, messages, stream(text), FhirFormat.XML, profiles);
    } else if (encoding == EncodingEnum.JSON) {
      var meta = GSON.fromJson(text, JsonObject.class).getAsJsonObject("meta");
      var metaProfiles = meta == null ? null : meta.get("profile");
      if (metaProfiles != null && metaProfiles.isJsonArray()) {
        for (var url : metaProfiles.getAsJsonArray()) {
          addProfile(worker, url.getAsString(), profiles, profileErrors);
        }
      }
      validator.validate(context.getOptions().getAppContext(), messages, stream(text), FhirFormat.JSON, profiles);
    } else {
      throw new IllegalArgumentException("Unknown encoding: " + encoding);
    }
    if (profiles.isEmpty() && !profileErrors.isEmpty()) {
      messages.addAll(profileErrors);
    }
    var kept = new ArrayList<ValidationMessage>(messages.size());
    for (var message : messages) {
      if (suppressed(message)) {
        continue;
      }
      if (PROFILE_UNKNOWN.equals(message.getMessageId())
          || "VALIDATION_VAL_PROFILE_UNKNOWN_NOT_POLICY".equals(message.getMessageId())) {
        message.setLevel(isErrorForUnknownProfiles() ? IssueSeverity.ERROR : IssueSeverity.WARNING);
      }
      kept.add(message);
    }
    return kept;
  }

  /** HAPI leaves out bindings without a source and the mimetypes ValueSet it does not ship. */
  private static boolean suppressed(ValidationMessage message) {
    var id = message.getMessageId();
    return id != null && (id.equals("Terminology_TX_Binding_NoSource")
        || (id.equals("Terminology_TX_ValueSet_NotFound")
            && message.getMessage().contains("http://hl7.org/fhir/ValueSet/mimetypes")));
  }

  private static void addProfile(IWorkerContext worker, String url, List<StructureDefinition> profiles,
      List<ValidationMessage> errors) {
    try {
      var profile = worker.fetchResource(StructureDefinition.class, url);
      if (profile != null) {
        profiles.add(profile);
      } else {
        var unknown = new ValidationMessage();
        unknown.setMessageId(PROFILE_UNKNOWN);
        unknown.setLevel(IssueSeverity.ERROR);
        unknown.setMessage("Invalid profile. Failed to retrieve profile with url=" + url);
        errors.add(unknown);
      }
    } catch (FHIRException e) {
      log.debug("Failed to load profile: {}", url);
    }
  }

  /** The profile attributes under the root element's first {@code meta}, as HAPI reads them. */
  private static List<String> metaProfiles(Document document) {
    var urls = new ArrayList<String>();
    var children = document.getChildNodes().item(0).getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      if (children.item(i).getNodeName().equalsIgnoreCase("meta")) {
        var metaChildren = children.item(i).getChildNodes();
        for (int j = 0; j < metaChildren.getLength(); j++) {
          if (metaChildren.item(j).getNodeName().equalsIgnoreCase("profile")) {
            urls.add(metaChildren.item(j).getAttributes().item(0).getNodeValue());
          }
        }
        break;
      }
    }
    return urls;
  }

  private static InputStream stream(String text) {
    try {
      return ReaderInputStream.builder().setCharset(StandardCharsets.UTF_8).setReader(new StringReader(text)).get();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
