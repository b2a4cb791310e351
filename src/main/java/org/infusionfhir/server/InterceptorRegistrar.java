package org.infusionfhir.server;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Registers every {@link ServerInterceptor} bean with the storage layer's interceptor service as soon as
 * the bean exists, when {@link HookPlacement} puts it there, so that no write made during start-up (the
 * guide's installation, say) goes past it. The RestfulServer's are registered where the server is built.
 */
@Component
class InterceptorRegistrar implements BeanPostProcessor {

  private final ObjectProvider<IInterceptorService> storageInterceptors;

  InterceptorRegistrar(ObjectProvider<IInterceptorService> storageInterceptors) {
    this.storageInterceptors = storageInterceptors;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof ServerInterceptor && HookPlacement.of(bean.getClass()) == HookPlacement.STORAGE) {
      storageInterceptors.getObject().registerInterceptor(bean);
    }
    return bean;
  }
}
