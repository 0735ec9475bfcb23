/*
 * LoopbackExpansionService runs Beam's Java expansion service with its gRPC services bound to the
 * loopback interface (used by runners/expansion/expansion.sh and io/xlang/kinesisio).
 *
 * Why not ExpansionService.main: in Beam 2.64.0 it builds its server with ServerBuilder.forPort,
 * which binds the wildcard address. This class serves the same services (expansion, artifact
 * retrieval for the expanded transforms' jars, and with --alsoStartLoopbackWorker the Java worker
 * pool the expanded transforms' EXTERNAL environment points at) on 127.0.0.1 only.
 *
 * Usage: java -cp CLASSPATH:launcher LoopbackExpansionService PORT [pipeline options...]
 * PORT 0 lets the kernel choose; once the server accepts connections it prints
 * "EXPANSION_ENDPOINT 127.0.0.1:port" on stdout.
 */
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.apache.beam.fn.harness.ExternalWorkerService;
import org.apache.beam.model.expansion.v1.ExpansionApi;
import org.apache.beam.model.expansion.v1.ExpansionServiceGrpc;
import org.apache.beam.runners.fnexecution.artifact.ArtifactRetrievalService;
import org.apache.beam.sdk.expansion.service.ExpansionService;
import org.apache.beam.sdk.expansion.service.ExpansionServiceOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.PortablePipelineOptions;
import org.apache.beam.sdk.util.construction.Environments;
import org.apache.beam.vendor.grpc.v1p69p0.io.grpc.Server;
import org.apache.beam.vendor.grpc.v1p69p0.io.grpc.netty.NettyServerBuilder;
import org.apache.beam.vendor.grpc.v1p69p0.io.grpc.stub.StreamObserver;

public final class LoopbackExpansionService {

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      throw new IllegalArgumentException("usage: LoopbackExpansionService PORT [options...]");
    }
    int port = Integer.parseInt(args[0]);
    PipelineOptionsFactory.register(ExpansionServiceOptions.class);
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs(Arrays.copyOfRange(args, 1, args.length)).create();

    // The expansion service needs its own address (for the loopback worker's EXTERNAL
    // environment) at construction, which a kernel-chosen port only gives after start: the
    // server therefore serves a forwarder that is pointed at the service once bound.
    Forwarder forwarder = new Forwarder();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(loopback, port))
            .maxInboundMessageSize(Integer.MAX_VALUE)
            .addService(forwarder)
            .addService(new ArtifactRetrievalService());
    if (options.as(ExpansionServiceOptions.class).getAlsoStartLoopbackWorker()) {
      builder.addService(new ExternalWorkerService(options));
    }
    Server server = builder.build().start();
    String address = loopback.getHostAddress() + ":" + server.getPort();
    if (options.as(ExpansionServiceOptions.class).getAlsoStartLoopbackWorker()) {
      // Expanded transforms run in this worker pool: give them a plain EXTERNAL environment at
      // this address. With the flag left on, ExpansionService offers ANYOF(DOCKER, EXTERNAL),
      // which prism v2.62 refuses ("urn beam:env:anyof:v1 unimplemented") and no runner here
      // could take the Docker branch of.
      PortablePipelineOptions portable = options.as(PortablePipelineOptions.class);
      portable.setDefaultEnvironmentType(Environments.ENVIRONMENT_EXTERNAL);
      portable.setDefaultEnvironmentConfig(address);
      options.as(ExpansionServiceOptions.class).setAlsoStartLoopbackWorker(false);
    }
    forwarder.delegate = new ExpansionService(options, address);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdown();
                  stopped.countDown();
                }));
    System.out.println("EXPANSION_ENDPOINT " + address);
    System.out.flush();
    stopped.await();
  }

  /** Forwards the expansion API to the ExpansionService set after the server is bound. */
  private static final class Forwarder extends ExpansionServiceGrpc.ExpansionServiceImplBase {
    volatile ExpansionService delegate;

    @Override
    public void expand(
        ExpansionApi.ExpansionRequest request,
        StreamObserver<ExpansionApi.ExpansionResponse> response) {
      delegate.expand(request, response);
    }

    @Override
    public void discoverSchemaTransform(
        ExpansionApi.DiscoverSchemaTransformRequest request,
        StreamObserver<ExpansionApi.DiscoverSchemaTransformResponse> response) {
      delegate.discoverSchemaTransform(request, response);
    }
  }
}
