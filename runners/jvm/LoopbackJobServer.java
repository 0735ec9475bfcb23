/*
 * LoopbackJobServer runs the Beam Flink or Spark portable job server with every gRPC service
 * bound to the loopback interface.
 *
 * Why not the runners' own main classes: in Beam 2.62.0 JobServerDriver builds the job and
 * artifact services with ServerFactory.createWithPortSupplier, whose NettyServerBuilder.forPort
 * binds the wildcard address whatever --job-host says. This class reuses the runners' argument
 * parsing and job invokers and only swaps in a server factory that binds 127.0.0.1.
 *
 * Usage (single-file source launch, see runners/jobserver.sh):
 *   java -cp CLASSPATH LoopbackJobServer.java flink|spark [driver flags...]
 * With --job-port=0 / --artifact-port=0 the ports are picked by the kernel; the job endpoint is
 * printed as "JOB_ENDPOINT host:port" on stdout once the server accepts connections.
 */
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.beam.model.pipeline.v1.Endpoints.ApiServiceDescriptor;
import org.apache.beam.runners.jobsubmission.JobInvoker;
import org.apache.beam.runners.jobsubmission.JobServerDriver;
import org.apache.beam.sdk.fn.channel.SocketAddressFactory;
import org.apache.beam.sdk.fn.server.GrpcContextHeaderAccessorProvider;
import org.apache.beam.sdk.fn.server.ServerFactory;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.vendor.grpc.v1p60p1.io.grpc.BindableService;
import org.apache.beam.vendor.grpc.v1p60p1.io.grpc.Server;
import org.apache.beam.vendor.grpc.v1p60p1.io.grpc.ServerInterceptors;
import org.apache.beam.vendor.grpc.v1p60p1.io.grpc.netty.NettyServerBuilder;
import org.kohsuke.args4j.CmdLineException;
import org.kohsuke.args4j.CmdLineParser;

public final class LoopbackJobServer extends JobServerDriver {

  private LoopbackJobServer(ServerConfiguration configuration, JobInvokerFactory invokers) {
    super(configuration, new LoopbackServerFactory(), new LoopbackServerFactory(), invokers);
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      throw new IllegalArgumentException("usage: LoopbackJobServer flink|spark [flags...]");
    }
    // Reflection keeps one launcher for both runners: only one runner is on the classpath.
    String prefix;
    switch (args[0]) {
      case "flink":
        prefix = "org.apache.beam.runners.flink.Flink";
        break;
      case "spark":
        prefix = "org.apache.beam.runners.spark.Spark";
        break;
      default:
        throw new IllegalArgumentException("unknown runner " + args[0] + ", want flink or spark");
    }
    String simple = prefix.substring(prefix.lastIndexOf('.') + 1);
    Class<?> configClass =
        Class.forName(prefix + "JobServerDriver$" + simple + "ServerConfiguration");
    ServerConfiguration configuration =
        (ServerConfiguration) configClass.getDeclaredConstructor().newInstance();
    CmdLineParser parser = new CmdLineParser(configuration);
    try {
      parser.parseArgument(Arrays.copyOfRange(args, 1, args.length));
    } catch (CmdLineException e) {
      parser.printUsage(System.err);
      throw new IllegalArgumentException(args[0] + " job server flags: " + e.getMessage(), e);
    }
    Method createInvoker = Class.forName(prefix + "JobInvoker").getMethod("create", configClass);
    LoopbackJobServer server =
        new LoopbackJobServer(
            configuration,
            () -> {
              try {
                return (JobInvoker) createInvoker.invoke(null, configuration);
              } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("creating the " + args[0] + " job invoker", e);
              }
            });

    // Same as the runners' own main: register the standard file systems for artifact staging.
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());

    String url = server.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.stop();
                  stopped.countDown();
                }));
    System.out.println("JOB_ENDPOINT " + url);
    System.out.flush();
    stopped.await();
  }

  /** Builds gRPC servers like ServerFactory.createDefault(), but bound to loopback only. */
  private static final class LoopbackServerFactory extends ServerFactory {
    @Override
    public Server allocateAddressAndCreate(
        List<BindableService> services, ApiServiceDescriptor.Builder descriptor)
        throws IOException {
      InetAddress loopback = InetAddress.getLoopbackAddress();
      Server server = start(services, new InetSocketAddress(loopback, 0));
      descriptor.setUrl(loopback.getHostAddress() + ":" + server.getPort());
      return server;
    }

    @Override
    public Server create(List<BindableService> services, ApiServiceDescriptor descriptor)
        throws IOException {
      SocketAddress address = SocketAddressFactory.createFrom(descriptor.getUrl());
      if (!(address instanceof InetSocketAddress)
          || !((InetSocketAddress) address).getAddress().isLoopbackAddress()) {
        throw new IOException("refusing to bind non-loopback address " + descriptor.getUrl());
      }
      return start(services, (InetSocketAddress) address);
    }

    private static Server start(List<BindableService> services, InetSocketAddress address)
        throws IOException {
      // Message size and keep-alive as in Beam's default factory: the SDK harness sends large
      // bundles and pings often.
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(address)
              .maxInboundMessageSize(Integer.MAX_VALUE)
              .permitKeepAliveTime(1, TimeUnit.SECONDS);
      for (BindableService service : services) {
        builder.addService(
            ServerInterceptors.intercept(service, GrpcContextHeaderAccessorProvider.interceptor()));
      }
      return builder.build().start();
    }
  }
}
