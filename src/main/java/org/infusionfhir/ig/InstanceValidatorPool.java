package org.infusionfhir.ig;

import ca.uhn.fhir.context.ConfigurationException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r5.context.IWorkerContext;
import org.hl7.fhir.r5.fhirpath.IHostApplicationServices;
import org.hl7.fhir.r5.utils.validation.IValidationPolicyAdvisor;
import org.hl7.fhir.r5.utils.validation.IValidatorResourceFetcher;
import org.hl7.fhir.r5.utils.validation.ValidatorSession;
import org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel;
import org.hl7.fhir.r5.utils.validation.constants.IdStatus;
import org.hl7.fhir.r5.utils.xver.XVerExtensionManagerOld;
import org.hl7.fhir.validation.ValidatorSettings;
import org.hl7.fhir.validation.instance.InstanceValidator;

/**
 * Core {@link InstanceValidator}s configured as HAPI 8.8's validator configures the one it builds for
 * every validation, lent to one validation at a time and then reused.
 *
 * <p>Building one costs more than validating a small resource: its constructor reads the core's 1.5 MB
 * OID registry ({@code OIDUtilities}) and sets up a FHIRPath engine and profile utilities. The core
 * resets its per-run state at the start of each {@code validate} (fetch cache, resource tracker, tracked
 * messages, execution id). Two things it keeps between runs are dealt with here:
 * <ul>
 *   <li>{@code statusWarnings} reports a deprecated, withdrawn or retired definition once per validator,
 *       not once per validation; it is emptied before each validation so every result names them as a
 *       fresh validator would.</li>
 *   <li>A few collections only grow (the codings seen, code/text pairs, narrative id maps); they are read
 *       only by features we do not use (IPS code checks, AI text checks) and within one run, but keep
 *       what they point at. A validator is therefore retired once it has read {@link #RETIRE_AFTER_CHARS}
 *       characters of resources, which bounds what it can keep.</li>
 * </ul>
 */
final class InstanceValidatorPool {

  /**
   * Resource text one validator reads before it is retired: about 65 vital-sign Observations, or one
   * Bundle of any size. What a validator keeps from a run is measured at about 75 times the resource text
   * (113 KB after a 1.5 KB Observation: its element tree, held by the codings seen), so this bounds the
   * leftovers to about 8 MB per validator; building a replacement costs about one validation.
   */
  static final long RETIRE_AFTER_CHARS = 100_000;

  /**
   * Validators kept idle between validations (each holds about 5 MB of its own, the OID table mostly);
   * more may be lent out at once and are dropped when given back.
   */
  private static final int MAX_IDLE = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));

  /** The settings HAPI copies from its FhirInstanceValidator onto each core validator. */
  record Settings(boolean anyExtensionsAllowed, BestPracticeWarningLevel bestPracticeWarningLevel,
      boolean errorForUnknownProfiles, List<String> extensionDomains, IValidationPolicyAdvisor policyAdvisor,
      boolean noTerminologyChecks, boolean noExtensibleWarnings, boolean noBindingMsgSuppressed,
      IValidatorResourceFetcher fetcher, boolean assumeValidRestReferences, boolean allowExamples,
      IHostApplicationServices hostApplicationServices) {

    static Settings of(FhirInstanceValidator validator) {
      return new Settings(validator.isAnyExtensionsAllowed(), validator.getBestPracticeWarningLevel(),
          validator.isErrorForUnknownProfiles(), List.copyOf(validator.getExtensionDomains()),
          validator.getValidatorPolicyAdvisor(), validator.isNoTerminologyChecks(),
          validator.isNoExtensibleWarnings(), validator.isNoBindingMsgSuppressed(),
          validator.getValidatorResourceFetcher(), validator.isAssumeValidRestReferences(),
          validator.isAllowExamples(), validator.getHostApplicationServices());
    }
  }

  /** A core validator that forgets, between validations, which definitions' status it has reported. */
  static final class Reusable extends InstanceValidator {
    private long charsRead;

    private Reusable(IWorkerContext worker, IHostApplicationServices hostServices) {
      super(worker, hostServices, new XVerExtensionManagerOld(worker), new ValidatorSession(),
          new ValidatorSettings());
    }

    /** Called before each validation with the length of the resource text about to be read. */
    void beginValidation(int chars) {
      statusWarnings.clear();
      charsRead += chars;
    }

    boolean retired() {
      return charsRead >= RETIRE_AFTER_CHARS;
    }
  }

  private final IWorkerContext worker;
  private final Settings settings;
  private final ConcurrentLinkedDeque<Reusable> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger idleCount = new AtomicInteger();

  InstanceValidatorPool(IWorkerContext worker, Settings settings) {
    this.worker = worker;
    this.settings = settings;
  }

  boolean serves(IWorkerContext worker, Settings settings) {
    return this.worker == worker && this.settings.equals(settings);
  }

  /** An idle validator, or a new one; give it back with {@link #giveBack} when its validation is done. */
  Reusable borrow() {
    var validator = idle.pollFirst();
    if (validator == null) {
      return build();
    }
    idleCount.decrementAndGet();
    return validator;
  }

  /** After a validation that ended normally; a retired validator, or one too many, is dropped. */
  void giveBack(Reusable validator) {
    if (validator.retired()) {
      return;
    }
    if (idleCount.incrementAndGet() > MAX_IDLE) {
      idleCount.decrementAndGet();
      return;
    }
    idle.offerFirst(validator);
  }

  int idleCount() {
    return idleCount.get();
  }

  private Reusable build() {
    var hostServices = Objects.requireNonNullElseGet(settings.hostApplicationServices(),
        FhirInstanceValidator.NullEvaluationContext::new);
    Reusable validator;
    try {
      validator = new Reusable(worker, hostServices);
    } catch (RuntimeException e) {
      throw new ConfigurationException("Failed to build the FHIR instance validator: " + e.getMessage(), e);
    }
    validator.setAssumeValidRestReferences(settings.assumeValidRestReferences());
    validator.setBestPracticeWarningLevel(settings.bestPracticeWarningLevel());
    validator.setAnyExtensionsAllowed(settings.anyExtensionsAllowed());
    validator.setResourceIdRule(IdStatus.OPTIONAL);
    validator.setNoTerminologyChecks(settings.noTerminologyChecks());
    validator.setErrorForUnknownProfiles(settings.errorForUnknownProfiles());
    validator.setUnknownCodeSystemsCauseErrors(true);
    validator.getExtensionDomains().addAll(settings.extensionDomains());
    validator.setFetcher(settings.fetcher());
    validator.setPolicyAdvisor(settings.policyAdvisor());
    validator.setNoExtensibleWarnings(settings.noExtensibleWarnings());
    validator.setNoBindingMsgSuppressed(settings.noBindingMsgSuppressed());
    validator.setAllowExamples(settings.allowExamples());
    validator.setAllowXsiLocation(true);
    return validator;
  }
}
