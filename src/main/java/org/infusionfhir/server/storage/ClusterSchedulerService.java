package org.infusionfhir.server.storage;

import ca.uhn.fhir.jpa.model.sched.IHapiScheduler;
import ca.uhn.fhir.jpa.sched.AutowiringSpringBeanJobFactory;
import ca.uhn.fhir.jpa.sched.ClusteredHapiScheduler;
import ca.uhn.fhir.jpa.sched.HapiSchedulerServiceImpl;
import javax.sql.DataSource;
import org.quartz.Job;
import org.quartz.spi.TriggerFiredBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ApplicationContext;

/**
 * HAPI's scheduler, with its "clustered" jobs run by one replica at a time.
 *
 * <p>HAPI runs each job it calls clustered (batch maintenance, the subscription delivery pass, stale search
 * clean-up, reindexing, the bulk export file purge, ...) on a Quartz scheduler of its own, with Quartz's in-memory
 * store: on every replica, every interval. Here each run of such a job first tries a PostgreSQL advisory lock
 * named by the job; a replica that finds another running it skips this run and tries again at its next interval.
 * A replica killed during a run releases the lock with its connection. HAPI's local jobs (per-replica caches and
 * queues) run on every replica as before. On H2, one process, nothing changes.
 */
public class ClusterSchedulerService extends HapiSchedulerServiceImpl {

  private static final Logger log = LoggerFactory.getLogger(ClusterSchedulerService.class);

  /** The bean name HAPI's JpaConfig gives its scheduler, whose definition {@link #replaceHapis} replaces. */
  static final String BEAN_NAME = "schedulerService";

  @Autowired
  private DataSource dataSource;

  @Autowired
  private ApplicationContext applicationContext;

  public ClusterSchedulerService() {
    // The group HAPI's own definition sets (JpaConfig.HAPI_DEFAULT_SCHEDULER_GROUP, private there).
    setDefaultGroup("HAPI");
  }

  @Override
  protected IHapiScheduler getClusteredScheduler() {
    log.info("HAPI's clustered jobs run on one replica at a time, each under a database lock named by the job");
    var factory = new OneReplicaJobFactory(dataSource);
    factory.setApplicationContext(applicationContext);
    return new ClusteredHapiScheduler(THREAD_NAME_PREFIX, factory);
  }

  /** Makes HAPI's {@code schedulerService} bean this class, before any bean is created. */
  public static BeanDefinitionRegistryPostProcessor replaceHapis() {
    return new BeanDefinitionRegistryPostProcessor() {
      @Override
      public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        if (!registry.containsBeanDefinition(BEAN_NAME)) {
          throw new IllegalStateException("HAPI's '" + BEAN_NAME + "' bean is missing: its scheduler cannot be replaced");
        }
        registry.removeBeanDefinition(BEAN_NAME);
        registry.registerBeanDefinition(BEAN_NAME, new RootBeanDefinition(ClusterSchedulerService.class));
      }

      @Override
      public void postProcessBeanFactory(
          org.springframework.beans.factory.config.ConfigurableListableBeanFactory beanFactory) {
        // nothing beyond the definition
      }
    };
  }

  /** Creates HAPI's job as HAPI would, wrapped so that a run happens only under the job's lock. */
  static final class OneReplicaJobFactory extends AutowiringSpringBeanJobFactory {

    private final DataSource dataSource;

    OneReplicaJobFactory(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    @Override
    protected Object createJobInstance(TriggerFiredBundle bundle) throws Exception {
      var job = (Job) super.createJobInstance(bundle);
      var name = "running scheduled job " + bundle.getJobDetail().getKey();
      return (Job) context -> {
        try (var lease = ClusterLock.tryTake(dataSource, name)) {
          if (lease == null) {
            log.debug("Skipped {}: another replica is running it", name);
            return;
          }
          job.execute(context);
        }
      };
    }
  }
}
