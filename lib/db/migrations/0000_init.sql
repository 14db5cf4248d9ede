CREATE TABLE "app_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chargers" (
	"id" text PRIMARY KEY NOT NULL,
	"site_id" text NOT NULL,
	"name" text NOT NULL,
	"tariff_id" text NOT NULL,
	"password_hash" text NOT NULL,
	"max_power_w" integer NOT NULL,
	"online" boolean DEFAULT false NOT NULL,
	"last_seen_at" timestamp with time zone,
	"boot_info" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "charging_sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"charger_id" text NOT NULL,
	"connector_id" integer NOT NULL,
	"state" text NOT NULL,
	"token_hash" text NOT NULL,
	"reference" text NOT NULL,
	"id_tag" text NOT NULL,
	"currency" text NOT NULL,
	"reserved_amount" bigint NOT NULL,
	"authorized_amount" bigint,
	"tariff_version_id" integer NOT NULL,
	"tariff" jsonb NOT NULL,
	"tariff_hash" text NOT NULL,
	"payment_description" text NOT NULL,
	"redirect_url" text,
	"payment_state" text,
	"transaction_id" integer,
	"meter_start_wh" bigint,
	"meter_last_wh" bigint,
	"meter_last_at" timestamp with time zone,
	"power_w" integer,
	"meter_stop_wh" bigint,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"stop_reason" text,
	"stop_requested_by" text,
	"energy_wh" bigint,
	"price" jsonb,
	"captured_amount" bigint DEFAULT 0 NOT NULL,
	"cancelled_amount" bigint DEFAULT 0 NOT NULL,
	"overrun_amount" bigint DEFAULT 0 NOT NULL,
	"receipt_posted_at" timestamp with time zone,
	"failure_reason" text,
	"review_reason" text,
	"operator_energy_wh" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connectors" (
	"charger_id" text NOT NULL,
	"connector_id" integer NOT NULL,
	"status" text DEFAULT 'Unavailable' NOT NULL,
	"error_code" text DEFAULT 'NoError' NOT NULL,
	"status_at" timestamp with time zone,
	CONSTRAINT "connectors_charger_id_connector_id_pk" PRIMARY KEY("charger_id","connector_id")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"dedupe_key" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"run_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 25 NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meter_samples" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"charger_id" text NOT NULL,
	"transaction_id" integer,
	"sampled_at" timestamp with time zone NOT NULL,
	"energy_wh" bigint,
	"power_w" integer,
	"context" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ocpp_transactions" (
	"id" serial PRIMARY KEY NOT NULL,
	"charger_id" text NOT NULL,
	"connector_id" integer NOT NULL,
	"id_tag" text NOT NULL,
	"session_id" uuid,
	"meter_start_wh" bigint NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"meter_stop_wh" bigint,
	"stopped_at" timestamp with time zone,
	"stop_reason" text,
	"id_tag_status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_operations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"session_id" uuid,
	"reference" text NOT NULL,
	"kind" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"amount" bigint,
	"request" jsonb NOT NULL,
	"status" text NOT NULL,
	"response" jsonb,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "rate_limit_hits" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"session_id" uuid NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"from_state" text NOT NULL,
	"to_state" text NOT NULL,
	"applied" boolean NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"country" text NOT NULL,
	"currency" text NOT NULL,
	"vat_rate_bp" integer NOT NULL,
	"locales" text[] NOT NULL,
	"time_zone" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tariff_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"tariff_id" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tariffs" (
	"id" text PRIMARY KEY NOT NULL,
	"site_id" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vipps_webhook_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"name" text NOT NULL,
	"psp_reference" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vipps_webhook_registrations" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vipps_emulator_idempotency" (
	"msn" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"operation" text NOT NULL,
	"reference" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" integer NOT NULL,
	"response_body" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "vipps_emulator_idempotency_msn_idempotency_key_pk" PRIMARY KEY("msn","idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "vipps_emulator_modification_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vipps_emulator_payment_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"name" text NOT NULL,
	"psp_reference" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"success" boolean NOT NULL,
	"idempotency_key" text,
	"timestamp" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vipps_emulator_payments" (
	"reference" text PRIMARY KEY NOT NULL,
	"msn" text NOT NULL,
	"state" text NOT NULL,
	"currency" text NOT NULL,
	"amount" bigint NOT NULL,
	"authorized_amount" bigint DEFAULT 0 NOT NULL,
	"captured_amount" bigint DEFAULT 0 NOT NULL,
	"cancelled_amount" bigint DEFAULT 0 NOT NULL,
	"refunded_amount" bigint DEFAULT 0 NOT NULL,
	"psp_reference" text NOT NULL,
	"landing_token" text NOT NULL,
	"request" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "vipps_emulator_payments_landing_token_unique" UNIQUE("landing_token")
);
--> statement-breakpoint
CREATE TABLE "vipps_emulator_qr_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"msn" text NOT NULL,
	"redirect_url" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vipps_emulator_receipts" (
	"order_id" text PRIMARY KEY NOT NULL,
	"payment_type" text NOT NULL,
	"receipt" jsonb NOT NULL,
	"post_attempts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vipps_emulator_webhook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL,
	"reference" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_response_status" integer,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vipps_emulator_webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"msn" text NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ocpp_commands" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"charger_id" text NOT NULL,
	"method" text NOT NULL,
	"params" jsonb NOT NULL,
	"status" text NOT NULL,
	"requested_by" text NOT NULL,
	"claimed_by" text,
	"result" jsonb,
	"error_kind" text,
	"error" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ocpp_configuration" (
	"charger_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text,
	"readonly" boolean DEFAULT false NOT NULL,
	"change_status" text,
	"requested_value" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ocpp_configuration_charger_id_key_pk" PRIMARY KEY("charger_id","key")
);
--> statement-breakpoint
CREATE TABLE "ocpp_connections" (
	"charger_id" text PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"connected_at" timestamp with time zone NOT NULL,
	"remote_address" text
);
--> statement-breakpoint
CREATE TABLE "ocpp_inbound_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"charger_id" text NOT NULL,
	"action" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"processed_at" timestamp with time zone,
	"outcome" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "ocpp_instances" (
	"id" text PRIMARY KEY NOT NULL,
	"hostname" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chargers" ADD CONSTRAINT "chargers_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chargers" ADD CONSTRAINT "chargers_tariff_id_tariffs_id_fk" FOREIGN KEY ("tariff_id") REFERENCES "public"."tariffs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "charging_sessions" ADD CONSTRAINT "charging_sessions_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "charging_sessions" ADD CONSTRAINT "charging_sessions_tariff_version_id_tariff_versions_id_fk" FOREIGN KEY ("tariff_version_id") REFERENCES "public"."tariff_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ocpp_transactions" ADD CONSTRAINT "ocpp_transactions_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ocpp_transactions" ADD CONSTRAINT "ocpp_transactions_session_id_charging_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."charging_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_operations" ADD CONSTRAINT "payment_operations_session_id_charging_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."charging_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_events" ADD CONSTRAINT "session_events_session_id_charging_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."charging_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tariff_versions" ADD CONSTRAINT "tariff_versions_tariff_id_tariffs_id_fk" FOREIGN KEY ("tariff_id") REFERENCES "public"."tariffs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tariffs" ADD CONSTRAINT "tariffs_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ocpp_configuration" ADD CONSTRAINT "ocpp_configuration_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ocpp_connections" ADD CONSTRAINT "ocpp_connections_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "charging_sessions_token_hash" ON "charging_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "charging_sessions_reference" ON "charging_sessions" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "charging_sessions_id_tag" ON "charging_sessions" USING btree ("id_tag");--> statement-breakpoint
CREATE UNIQUE INDEX "charging_sessions_one_live_per_connector" ON "charging_sessions" USING btree ("charger_id","connector_id") WHERE state in ('AUTHORIZED', 'STARTING', 'CHARGING', 'STOPPING');--> statement-breakpoint
CREATE INDEX "charging_sessions_state" ON "charging_sessions" USING btree ("state");--> statement-breakpoint
CREATE INDEX "jobs_due" ON "jobs" USING btree ("status","run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_open_dedupe" ON "jobs" USING btree ("dedupe_key") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "meter_samples_transaction" ON "meter_samples" USING btree ("transaction_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ocpp_transactions_dedupe" ON "ocpp_transactions" USING btree ("charger_id","connector_id","id_tag","started_at","meter_start_wh");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_operations_key" ON "payment_operations" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "rate_limit_hits_key_at" ON "rate_limit_hits" USING btree ("key","at");--> statement-breakpoint
CREATE INDEX "session_events_session" ON "session_events" USING btree ("session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tariff_versions_tariff_version" ON "tariff_versions" USING btree ("tariff_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "vipps_webhook_events_dedupe" ON "vipps_webhook_events" USING btree ("reference","name","psp_reference");--> statement-breakpoint
CREATE INDEX "vipps_emulator_modification_calls_reference" ON "vipps_emulator_modification_calls" USING btree ("reference","at");--> statement-breakpoint
CREATE INDEX "vipps_emulator_payment_events_reference" ON "vipps_emulator_payment_events" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "vipps_emulator_webhook_deliveries_pending" ON "vipps_emulator_webhook_deliveries" USING btree ("webhook_id","status","reference","id");--> statement-breakpoint
CREATE INDEX "ocpp_commands_pending" ON "ocpp_commands" USING btree ("charger_id","status");--> statement-breakpoint
CREATE INDEX "ocpp_connections_instance" ON "ocpp_connections" USING btree ("instance_id");--> statement-breakpoint
CREATE INDEX "ocpp_inbound_messages_unprocessed" ON "ocpp_inbound_messages" USING btree ("processed_at","id");