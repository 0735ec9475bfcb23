/*
 * KinesisReadRegistrar exposes Beam Java's KinesisIO.read() (AWS SDK v2) to the expansion service
 * under this project's own URN, for io/xlang/kinesisio.Read.
 *
 * Why not Beam's own kinesis_read_data:v2 (KinesisTransformRegistrar): its expansion wraps the read
 * in a DoFn whose @ProcessElement method returns byte[] (KinesisReadToBytes, Beam 2.63 to at least
 * 2.66), which DoFnSignatures refuses ("Must return void or ProcessContinuation"): the read never
 * expands. This class takes the same configuration fields, so the Go payload is unchanged, and
 * emits each record's data through an OutputReceiver.
 *
 * Compiled by runners/expansion/expansion.sh together with the launcher; found by the expansion
 * service through runners/expansion/resources/META-INF/services.
 */
package io.deliverypipe.expansion;

import java.net.URI;
import java.util.Collections;
import java.util.Map;
import org.apache.beam.sdk.expansion.ExternalTransformRegistrar;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisIO;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ExternalTransformBuilder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.kinesis.common.InitialPositionInStream;

public final class KinesisReadRegistrar implements ExternalTransformRegistrar {
  /** Must equal ReadURN in io/xlang/kinesisio. */
  public static final String URN = "beam:transform:io.deliverypipe:kinesis_read_data:v1";

  @Override
  public Map<String, ExternalTransformBuilder<?, ?, ?>> knownBuilderInstances() {
    return Collections.singletonMap(URN, new Builder());
  }

  /**
   * The payload's fields, set by the expansion service through "set" + LowerCamel(field). Integer
   * fields are Long (the Go side sends INT64); durations are milliseconds, timestamps milliseconds
   * since the epoch. Null means Java's default.
   */
  public static final class Configuration {
    String streamName;
    String awsAccessKey;
    String awsSecretKey;
    String region;
    String serviceEndpoint;
    Boolean verifyCertificate;
    Long maxNumRecords;
    Long maxReadTime;
    String initialPositionInStream;
    Long initialTimestampInStream;
    Long requestRecordsLimit;
    Long upToDateThreshold;
    Long maxCapacityPerShard;
    String watermarkPolicy;
    Long watermarkIdleDurationThreshold;
    Long rateLimit;

    public void setStreamName(String v) {
      streamName = v;
    }

    public void setAwsAccessKey(String v) {
      awsAccessKey = v;
    }

    public void setAwsSecretKey(String v) {
      awsSecretKey = v;
    }

    public void setRegion(String v) {
      region = v;
    }

    public void setServiceEndpoint(String v) {
      serviceEndpoint = v;
    }

    public void setVerifyCertificate(Boolean v) {
      verifyCertificate = v;
    }

    public void setMaxNumRecords(Long v) {
      maxNumRecords = v;
    }

    public void setMaxReadTime(Long v) {
      maxReadTime = v;
    }

    public void setInitialPositionInStream(String v) {
      initialPositionInStream = v;
    }

    public void setInitialTimestampInStream(Long v) {
      initialTimestampInStream = v;
    }

    public void setRequestRecordsLimit(Long v) {
      requestRecordsLimit = v;
    }

    public void setUpToDateThreshold(Long v) {
      upToDateThreshold = v;
    }

    public void setMaxCapacityPerShard(Long v) {
      maxCapacityPerShard = v;
    }

    public void setWatermarkPolicy(String v) {
      watermarkPolicy = v;
    }

    public void setWatermarkIdleDurationThreshold(Long v) {
      watermarkIdleDurationThreshold = v;
    }

    public void setRateLimit(Long v) {
      rateLimit = v;
    }
  }

  /** Builds KinesisIO.read() from a Configuration. */
  public static final class Builder
      implements ExternalTransformBuilder<Configuration, PBegin, PCollection<byte[]>> {
    @Override
    public PTransform<PBegin, PCollection<byte[]>> buildExternal(Configuration c) {
      ClientConfiguration.Builder client =
          ClientConfiguration.builder()
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create(c.awsAccessKey, c.awsSecretKey)))
              .region(Region.of(c.region))
              .skipCertificateVerification(
                  c.verifyCertificate != null && !c.verifyCertificate);
      if (c.serviceEndpoint != null) {
        client = client.endpoint(URI.create(c.serviceEndpoint));
      }
      KinesisIO.Read read =
          KinesisIO.read().withStreamName(c.streamName).withClientConfiguration(client.build());
      if (c.maxNumRecords != null) {
        read = read.withMaxNumRecords(c.maxNumRecords);
      }
      if (c.maxReadTime != null) {
        read = read.withMaxReadTime(Duration.millis(c.maxReadTime));
      }
      if (c.initialPositionInStream != null) {
        read =
            read.withInitialPositionInStream(
                InitialPositionInStream.valueOf(c.initialPositionInStream));
      }
      if (c.initialTimestampInStream != null) {
        read = read.withInitialTimestampInStream(Instant.ofEpochMilli(c.initialTimestampInStream));
      }
      if (c.requestRecordsLimit != null) {
        read = read.withRequestRecordsLimit(Math.toIntExact(c.requestRecordsLimit));
      }
      if (c.upToDateThreshold != null) {
        read = read.withUpToDateThreshold(Duration.millis(c.upToDateThreshold));
      }
      if (c.maxCapacityPerShard != null) {
        read = read.withMaxCapacityPerShard(Math.toIntExact(c.maxCapacityPerShard));
      }
      if (c.watermarkPolicy != null) {
        switch (c.watermarkPolicy) {
          case "ARRIVAL_TIME":
            read =
                c.watermarkIdleDurationThreshold != null
                    ? read.withArrivalTimeWatermarkPolicy(
                        Duration.millis(c.watermarkIdleDurationThreshold))
                    : read.withArrivalTimeWatermarkPolicy();
            break;
          case "PROCESSING_TIME":
            read = read.withProcessingTimeWatermarkPolicy();
            break;
          default:
            throw new IllegalArgumentException(
                "watermark_policy " + c.watermarkPolicy + ": want ARRIVAL_TIME or PROCESSING_TIME");
        }
      }
      if (c.rateLimit != null) {
        read = read.withFixedDelayRateLimitPolicy(Duration.millis(c.rateLimit));
      }
      return new ReadData(read);
    }
  }

  /** KinesisIO.read() followed by the records' data, as the Go side receives it. */
  static final class ReadData extends PTransform<PBegin, PCollection<byte[]>> {
    private final KinesisIO.Read read;

    ReadData(KinesisIO.Read read) {
      this.read = read;
    }

    @Override
    public PCollection<byte[]> expand(PBegin input) {
      return input.apply("KinesisIO.Read", read).apply("Data", ParDo.of(new DataFn()));
    }
  }

  /** Emits a record's data. */
  static final class DataFn extends DoFn<KinesisRecord, byte[]> {
    @ProcessElement
    public void processElement(@Element KinesisRecord record, OutputReceiver<byte[]> out) {
      out.output(record.getDataAsBytes());
    }
  }
}
