-- Latest pane of restaurant_kpis: one row per (restaurant_id, window_start), the one with the
-- highest pane, so the final KPIs (a LATE pane re-emits every restaurant of its bucket, changed
-- or not; the highest pane is still the final value). Create after restaurant_kpis.sql.
CREATE OR REPLACE VIEW ${DATABASE}.restaurant_kpis_latest AS
SELECT window_start, window_end, pane, timing, restaurant_id, orders_created, orders_delivered, orders_cancelled, gmv, delivery_count, delivery_min_mean, delivery_min_p50, delivery_min_p90, dt, hour
FROM (
  SELECT window_start, window_end, pane, timing, restaurant_id, orders_created, orders_delivered, orders_cancelled, gmv, delivery_count, delivery_min_mean, delivery_min_p50, delivery_min_p90, dt, hour,
    row_number() OVER (PARTITION BY restaurant_id, window_start, dt, hour ORDER BY pane DESC) AS pane_rank
  FROM ${DATABASE}.restaurant_kpis
) AS panes
WHERE pane_rank = 1;
