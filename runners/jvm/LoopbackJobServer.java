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
 *
 * Flink only, restoring a job from a retained checkpoint or a savepoint: Beam's savepoint_path
 * option cannot come from Go either, and Beam 2.62 applies it to a remote Flink master only (an
 * EMR YARN session), not to the embedded cluster ([local]). The experiment
 * savepoint_path=<uri> (a savepoint, or a retained checkpoint's chk-N directory), optionally
 * with allow_non_restored_state, therefore sets for that one job Beam's savepoint_path and
 * allow_non_restored_state options (used with a remote master) and flink_conf_dir, a copy of the
 * Flink configuration with execution.savepoint.path and
 * execution.savepoint.ignore-unclaimed-state (read by the embedded cluster when it builds the job
 * graph). Other jobs keep the server's configuration.
 */
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
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
    String confDir = flink ? flinkConfDir(configuration) : null;
    LoopbackJobServer server =
        new LoopbackJobServer(
            configuration,
            () -> {
              try {
                JobInvoker invoker = (JobInvoker) createInvoker.invoke(null, configuration);
                return flink ? new FlinkDefaultsInvoker(invoker, keepSources, confDir) : invoker;
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
    String dir = flinkConfDir(configuration);
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
   * The Flink configuration directory the job server gives Flink: --flink-conf-dir, else
   * FLINK_CONF_DIR, else null (Flink's defaults).
   */
  private static String flinkConfDir(ServerConfiguration configuration) throws Exception {
    Method getDir = configuration.getClass().getDeclaredMethod("getFlinkConfDir");
    getDir.setAccessible(true);
    String dir = (String) getDir.invoke(configuration);
    return dir != null ? dir : System.getenv("FLINK_CONF_DIR");
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
    private static final String MAX_BUNDLE_SIZE = "beam:option:max_bundle_size:v1";
    private static final String MAX_BUNDLE_TIME = "beam:option:max_bundle_time_mills:v1";
    private static final long DEFAULT_MAX_BUNDLE_SIZE =
        Long.getLong("deliverypipe.maxBundleSize", 10_000);
    private static final long DEFAULT_MAX_BUNDLE_TIME_MS =
        Long.getLong("deliverypipe.maxBundleTimeMs", 1_000);
    private static final String SAVEPOINT_PATH = "beam:option:savepoint_path:v1";
    private static final String ALLOW_NON_RESTORED = "beam:option:allow_non_restored_state:v1";
    private static final String FLINK_CONF_DIR = "beam:option:flink_conf_dir:v1";
    private final JobInvoker delegate;
    private final boolean keepSources;
    private final String confDir;
    private final Method invoke;

    FlinkDefaultsInvoker(JobInvoker delegate, boolean keepSources, String confDir)
        throws NoSuchMethodException {
      super("flink-defaults");
      this.delegate = delegate;
      this.keepSources = keepSources;
      this.confDir = confDir;
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
      // Bundle size: the Go harness pays per bundle (a gRPC round, FinishBundle flushes of the
      // per-bundle batches and partial sums), so larger bundles than Flink's 1,000 elements cost
      // less per event; the bundle time keeps Flink's 1 s, so latency stays as it was.
      putLong(with, options, MAX_BUNDLE_SIZE, "flink_max_bundle_size", DEFAULT_MAX_BUNDLE_SIZE);
      putLong(with, options, MAX_BUNDLE_TIME, "flink_max_bundle_time_ms", DEFAULT_MAX_BUNDLE_TIME_MS);
      String savepoint = experimentValue(options, "savepoint_path");
      if (savepoint != null) {
        restoreFrom(with, savepoint, experiment(options, "allow_non_restored_state"));
      }
      options = with.build();
      try {
        return (JobInvocation) invoke.invoke(delegate, pipeline, options, retrievalToken, executorService);
      } catch (ReflectiveOperationException e) {
        throw new IOException("invoking " + delegate.getClass().getSimpleName(), e);
      }
    }

    /**
     * Makes the job restore its state from savepoint, as the top of this file describes. The
     * configuration copied is the client's flink_conf_dir if it sent one, else the server's.
     */
    private void restoreFrom(Struct.Builder with, String savepoint, boolean allowNonRestored)
        throws IOException {
      // The value goes into a YAML file unquoted: refuse what YAML would read otherwise.
      if (!savepoint.matches("[A-Za-z0-9_./:@%+=~-]+")) {
        throw new IOException(
            "--experiments=savepoint_path=" + savepoint + ": want a plain URI or path");
      }
      Value client = with.getFieldsOrDefault(FLINK_CONF_DIR, null);
      String base = client != null && !client.getStringValue().isEmpty() ? client.getStringValue() : confDir;
      Path dir = restoreConfDir(base, savepoint, allowNonRestored);
      with.putFields(SAVEPOINT_PATH, Value.newBuilder().setStringValue(savepoint).build());
      with.putFields(ALLOW_NON_RESTORED, Value.newBuilder().setBoolValue(allowNonRestored).build());
      with.putFields(FLINK_CONF_DIR, Value.newBuilder().setStringValue(dir.toString()).build());
      System.out.println(
          "LoopbackJobServer: the job restores "
              + savepoint
              + (allowNonRestored ? " (state without an operator is dropped)" : "")
              + " with the Flink configuration in "
              + dir);
    }
  }

  /**
   * Copies the regular files of the Flink configuration directory base (null: none) into a new
   * temporary directory, removed when the job server exits, and sets the savepoint to restore
   * in its config file (config.yaml, or the legacy flink-conf.yaml if only that exists) instead of
   * any execution.savepoint setting there.
   */
  private static Path restoreConfDir(String base, String savepoint, boolean allowNonRestored)
      throws IOException {
    Path dir = Files.createTempDirectory("flink-restore-conf-");
    // deleteOnExit runs in reverse order of registration: the files go before their directory.
    dir.toFile().deleteOnExit();
    String name = "config.yaml";
    if (base != null) {
      Path from = Paths.get(base);
      if (!Files.exists(from.resolve(name)) && Files.exists(from.resolve("flink-conf.yaml"))) {
        name = "flink-conf.yaml";
      }
      try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
        for (Path f : files) {
          if (Files.isRegularFile(f)) {
            Files.copy(f, dir.resolve(f.getFileName()));
            dir.resolve(f.getFileName()).toFile().deleteOnExit();
          }
        }
      }
    }
    Path config = dir.resolve(name);
    List<String> lines = new ArrayList<>();
    if (Files.exists(config)) {
      for (String line : Files.readAllLines(config, StandardCharsets.UTF_8)) {
        if (!line.startsWith("execution.savepoint.")) {
          lines.add(line);
        }
      }
    } else {
      config.toFile().deleteOnExit();
    }
    lines.add("# Added by LoopbackJobServer for one job (--experiments=savepoint_path=...).");
    lines.add("execution.savepoint.path: " + savepoint);
    lines.add("execution.savepoint.ignore-unclaimed-state: " + allowNonRestored);
    Files.write(config, lines, StandardCharsets.UTF_8);
    return dir;
  }

  /**
   * Sets option (a Beam option URN) to the value of the experiment name=N if the client sent one,
   * else to def unless the client set the option itself.
   */
  private static void putLong(Struct.Builder with, Struct options, String option, String name, long def) {
    String v = experimentValue(options, name);
    if (v == null && with.containsFields(option)) {
      return;
    }
    long n = def;
    if (v != null) {
      try {
        n = Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--experiments=" + name + "=" + v + ": not a number", e);
      }
    }
    // Beam's Long options travel as strings in the options Struct.
    with.putFields(option, Value.newBuilder().setStringValue(Long.toString(n)).build());
  }

  /** The value of the experiment name=value, or null. */
  private static String experimentValue(Struct options, String name) {
    Value v = options.getFieldsOrDefault(FlinkDefaultsInvoker.EXPERIMENTS, null);
    if (v == null || !v.hasListValue()) {
      return null;
    }
    for (Value e : v.getListValue().getValuesList()) {
      if (e.getStringValue().startsWith(name + "=")) {
        return e.getStringValue().substring(name.length() + 1);
      }
    }
    return null;
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
