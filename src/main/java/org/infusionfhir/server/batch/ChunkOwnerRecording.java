package org.infusionfhir.server.batch;

import ca.uhn.fhir.batch2.api.IJobPersistence;
import ca.uhn.fhir.batch2.model.BaseWorkChunkEvent;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.function.Consumer;
import org.infusionfhir.server.storage.ReplicaLease;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.ClassUtils;

/**
 * Wraps HAPI's job persistence so that every piece of batch work names its replica: the one that queued it
 * (the message that carries it is in that replica's memory) and then the one that started it. Finished or
 * failed pieces are forgotten. Everything else passes through unchanged.
 */
public class ChunkOwnerRecording implements BeanPostProcessor {

  private final ObjectProvider<ChunkOwners> owners;
  private final ObjectProvider<ReplicaLease> lease;

  public ChunkOwnerRecording(ObjectProvider<ChunkOwners> owners, ObjectProvider<ReplicaLease> lease) {
    this.owners = owners;
    this.lease = lease;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String name) {
    if (!(bean instanceof IJobPersistence persistence) || Proxy.isProxyClass(bean.getClass())) {
      return bean;
    }
    var interfaces = ClassUtils.getAllInterfacesForClass(bean.getClass(), getClass().getClassLoader());
    return Proxy.newProxyInstance(getClass().getClassLoader(), interfaces, (proxy, method, args) -> {
      try {
        switch (method.getName()) {
          case "enqueueWorkChunkForProcessing" -> {
            var chunkId = (String) args[0];
            @SuppressWarnings("unchecked") var then = (Consumer<Integer>) args[1];
            persistence.enqueueWorkChunkForProcessing(chunkId, updated -> {
              if (updated == 1) {
                owners.getObject().record(chunkId, lease.getObject().self());
              }
              then.accept(updated);
            });
            return null;
          }
          case "onWorkChunkDequeue" -> {
            var chunk = (Optional<?>) method.invoke(persistence, args);
            if (chunk.isPresent()) {
              owners.getObject().record((String) args[0], lease.getObject().self());
            }
            return chunk;
          }
          case "onWorkChunkCompletion", "onWorkChunkFailed" -> {
            var result = method.invoke(persistence, args);
            owners.getObject().forget(args[0] instanceof BaseWorkChunkEvent event ? event.getChunkId()
                : (String) args[0]);
            return result;
          }
          default -> {
            return method.invoke(persistence, args);
          }
        }
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    });
  }
}
