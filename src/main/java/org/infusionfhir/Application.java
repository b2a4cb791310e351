package org.infusionfhir;

import org.infusionfhir.server.StartupWarmUp;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The infusion-fhir server: a HAPI FHIR JPA server for infusion clinics.
 *
 * <p>{@code java -jar infusion-fhir.jar} starts the server. Commands on the same jar
 * ({@code validate}, {@code load}, {@code token}, {@code generate}) arrive with the issues that need them.
 */
// HAPI brings libraries whose Spring Boot auto-configuration we do not want: its own entity manager
// factory replaces Boot's JPA one; Flyway would add a history table to our schema; Elasticsearch, Quartz
// and Thymeleaf would start clients, a second scheduler and a template engine nobody uses.
@SpringBootApplication(
    exclude = HibernateJpaAutoConfiguration.class,
    excludeName = {
      "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration",
      "org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration",
      "org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration",
      "org.springframework.boot.autoconfigure.data.elasticsearch.ElasticsearchDataAutoConfiguration",
      "org.springframework.boot.autoconfigure.data.elasticsearch.ElasticsearchRepositoriesAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.elasticsearch.ElasticsearchRestHealthContributorAutoConfiguration",
      "org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration",
      "org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration"
    })
@ConfigurationPropertiesScan
public class Application {

  public static void main(String[] args) {
    StartupWarmUp.begin();
    SpringApplication.run(Application.class, args);
  }
}
