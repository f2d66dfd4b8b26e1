//! Job leases (so each scheduled run happens once across replicas) and installation metadata.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{instant, instant_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(big_pk_auto(JobRuns::Id))
                    .col(string_len(JobRuns::Job, 64))
                    // The scheduled tick this run belongs to; a manual run uses its start time.
                    .col(instant(JobRuns::Tick))
                    .col(string_len(JobRuns::Instance, 64))
                    .col(instant(JobRuns::StartedAt))
                    .col(instant_null(JobRuns::FinishedAt))
                    // running | ok | failed
                    .col(string_len(JobRuns::Status, 16))
                    .col(text_null(JobRuns::Summary))
                    .to_owned(),
            )
            .await?;
        // The lease: the first replica to insert (job, tick) runs it; the others see the conflict.
        manager
            .create_index(
                Index::create()
                    .name("uq_job_runs_job_tick")
                    .table(JobRuns::Table)
                    .col(JobRuns::Job)
                    .col(JobRuns::Tick)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppMeta::Table)
                    .col(string_len(AppMeta::Key, 64).primary_key())
                    .col(text(AppMeta::Value))
                    .col(instant(AppMeta::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AppMeta::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(JobRuns::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    Tick,
    Instance,
    StartedAt,
    FinishedAt,
    Status,
    Summary,
}

#[derive(DeriveIden)]
enum AppMeta {
    Table,
    Key,
    Value,
    UpdatedAt,
}
