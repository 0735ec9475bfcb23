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
 *
 * Flink only: a Go client cannot set Flink's pipeline options (Go's options travel under
 * go_options, which the Java side ignores), so this server sets two defaults for every job,
 * unless the client sent them:
 *  - finish_bundle_before_checkpointing=true. Otherwise a bundle still open at a checkpoint is
 *    finished inside the snapshot with its outputs buffered, and the bundle-finish callback
 *    emits the stage's watermark before those outputs: measured here, the Impulse stage sent
 *    the +inf watermark downstream while the read's only element sat in the buffer, and the
 *    job read nothing.
 *  - shutdown_sources_after_idle_ms=never, when the Flink configuration (--flink-conf-dir, else
 *    FLINK_CONF_DIR) turns checkpointing on. Beam keeps idle sources running only when its own
 *    checkpointing_interval option is set; otherwise the Impulse source finishes at once, Flink
 *    ends the input of the unbounded SDF stage, and that stage drains its resume timers in a
 *    busy loop that never checkpoints (measured: no checkpoint completed, the task manager
 *    missed heartbeats, the job restarted and the first windows never reached the sinks).
 *    As with Beam's own setting, a streaming job then never finishes by itself: one whose
 *    sources do end (a test) opts out with the experiment shutdown_idle_sources, which a Go
 *    client can send (--experiments).
 */
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.beam.model.pipeline.v1.Endpoints.ApiServiceDescriptor;
import org.apache.beam.model.pipeline.v1.RunnerApi;
import org.apache.beam.runners.jobsubmission.JobInvocation;
import org.apache.beam.runners.jobsubmission.JobInvoker;
import org.apache.beam.runners.jobsubmission.JobServerDriver;
import org.apache.beam.sdk.fn.channel.SocketAddressFactory;
import org.apache.beam.sdk.fn.server.GrpcContextHeaderAccessorProvider;
import org.apache.beam.sdk.fn.server.ServerFactory;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.vendor.grpc.v1p60p1.com.google.protobuf.Struct;
import org.apache.beam.vendor.grpc.v1p60p1.com.google.protobuf.Value;
import org.apache.beam.vendor.grpc.v1p60p1.io.grpc.BindableService;
import org.apache.beam.vendor.grpc.v1p60p1.io.grpc.Server;
import org.apache.beam.vendor.grpc.v1p60p1.io.grpc.ServerInterceptors;
import org.apache.beam.vendor.grpc.v1p60p1.io.grpc.netty.NettyServerBuilder;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.util.concurrent.ListeningExecutorService;
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
    boolean flink = args[0].equals("flink");
    boolean keepSources = flink && flinkCheckpointing(configuration);
    LoopbackJobServer server =
        new LoopbackJobServer(
            configuration,
            () -> {
              try {
                JobInvoker invoker = (JobInvoker) createInvoker.invoke(null, configuration);
                return flink ? new FlinkDefaultsInvoker(invoker, keepSources) : invoker;
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

  /**
   * Whether the Flink configuration the job server passes to Flink turns checkpointing on. Flink
   * classes are reached by reflection: the same source compiles against the Spark classpath.
   */
  private static boolean flinkCheckpointing(ServerConfiguration configuration) throws Exception {
    Method getDir = configuration.getClass().getDeclaredMethod("getFlinkConfDir");
    getDir.setAccessible(true);
    String dir = (String) getDir.invoke(configuration);
    if (dir == null) {
      dir = System.getenv("FLINK_CONF_DIR");
    }
    if (dir == null) {
      return false;
    }
    Object conf =
        Class.forName("org.apache.flink.configuration.GlobalConfiguration")
            .getMethod("loadConfiguration", String.class)
            .invoke(null, dir);
    @SuppressWarnings("unchecked")
    Map<String, String> settings = (Map<String, String>) conf.getClass().getMethod("toMap").invoke(conf);
    boolean on = settings.containsKey("execution.checkpointing.interval");
    System.out.println(
        "LoopbackJobServer: checkpointing "
            + (on ? "on" : "off")
            + " in "
            + dir
            + (on ? ": jobs keep idle sources running (shutdown_sources_after_idle_ms)" : ""));
    return on;
  }

  /**
   * Delegates to the Flink invoker after setting the defaults described at the top of this file
   * (Long.MAX_VALUE is what Beam sets itself for "never" when its checkpointing option is on).
   */
  private static final class FlinkDefaultsInvoker extends JobInvoker {
    private static final String FINISH_BUNDLE =
        "beam:option:finish_bundle_before_checkpointing:v1";
    private static final String SHUTDOWN_SOURCES = "beam:option:shutdown_sources_after_idle_ms:v1";
    private static final String EXPERIMENTS = "beam:option:experiments:v1";
    private static final String OPT_OUT = "shutdown_idle_sources";
    private final JobInvoker delegate;
    private final boolean keepSources;
    private final Method invoke;

    FlinkDefaultsInvoker(JobInvoker delegate, boolean keepSources) throws NoSuchMethodException {
      super("flink-defaults");
      this.delegate = delegate;
      this.keepSources = keepSources;
      this.invoke =
          delegate
              .getClass()
              .getDeclaredMethod(
                  "invokeWithExecutor",
                  RunnerApi.Pipeline.class,
                  Struct.class,
                  String.class,
                  ListeningExecutorService.class);
      this.invoke.setAccessible(true);
    }

    @Override
    protected JobInvocation invokeWithExecutor(
        RunnerApi.Pipeline pipeline,
        Struct options,
        String retrievalToken,
        ListeningExecutorService executorService)
        throws IOException {
      Struct.Builder with = options.toBuilder();
      if (!with.containsFields(FINISH_BUNDLE)) {
        with.putFields(FINISH_BUNDLE, Value.newBuilder().setBoolValue(true).build());
      }
      if (keepSources && !with.containsFields(SHUTDOWN_SOURCES) && !experiment(options, OPT_OUT)) {
        with.putFields(
            SHUTDOWN_SOURCES,
            Value.newBuilder().setStringValue(Long.toString(Long.MAX_VALUE)).build());
      }
      options = with.build();
      try {
        return (JobInvocation) invoke.invoke(delegate, pipeline, options, retrievalToken, executorService);
      } catch (ReflectiveOperationException e) {
        throw new IOException("invoking " + delegate.getClass().getSimpleName(), e);
      }
    }
  }

  private static boolean experiment(Struct options, String name) {
    Value v = options.getFieldsOrDefault(FlinkDefaultsInvoker.EXPERIMENTS, null);
    if (v == null || !v.hasListValue()) {
      return false;
    }
    for (Value e : v.getListValue().getValuesList()) {
      if (e.getStringValue().equals(name)) {
        return true;
      }
    }
    return false;
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
