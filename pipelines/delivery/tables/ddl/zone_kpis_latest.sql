-- Latest pane of zone_kpis: one row per (zone, window_start), the one with the highest pane,
-- so the final KPIs (a LATE pane re-emits every zone of its bucket, changed or not; the highest
-- pane is still the final value). Create after zone_kpis.sql.
CREATE OR REPLACE VIEW ${DATABASE}.zone_kpis_latest AS
SELECT window_start, window_end, pane, timing, zone, orders_created, orders_delivered, orders_cancelled, gmv, delivery_count, delivery_min_mean, delivery_min_p50, delivery_min_p90, active_drivers, dt, hour
FROM (
  SELECT window_start, window_end, pane, timing, zone, orders_created, orders_delivered, orders_cancelled, gmv, delivery_count, delivery_min_mean, delivery_min_p50, delivery_min_p90, active_drivers, dt, hour,
    row_number() OVER (PARTITION BY zone, window_start, dt, hour ORDER BY pane DESC) AS pane_rank
  FROM ${DATABASE}.zone_kpis
) AS panes
WHERE pane_rank = 1;
