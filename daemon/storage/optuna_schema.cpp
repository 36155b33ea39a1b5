#include "daemon/storage/optuna_schema.hpp"

#include <algorithm>
#include <array>

namespace hpod::schema {

// The statements follow the layout SQLAlchemy emits for Optuna's models, so that
// `sqlite3 file .schema` of an hpod file reads like one Optuna made.
const std::vector<std::pair<std::string_view, std::string_view>>& optuna_tables() {
  static const std::vector<std::pair<std::string_view, std::string_view>> tables = {
      {"studies",
       "CREATE TABLE studies (\n\tstudy_id INTEGER NOT NULL, \n\tstudy_name VARCHAR(512) NOT NULL, \n\t"
       "PRIMARY KEY (study_id)\n);\n"
       "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);"},
      {"version_info",
       "CREATE TABLE version_info (\n\tversion_info_id INTEGER NOT NULL, \n\tschema_version INTEGER, \n\t"
       "library_version VARCHAR(256), \n\tPRIMARY KEY (version_info_id), \n\tCHECK (version_info_id=1)\n);"},
      {"study_directions",
       "CREATE TABLE study_directions (\n\tstudy_direction_id INTEGER NOT NULL, \n\tdirection VARCHAR(8) NOT NULL, "
       "\n\tstudy_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tPRIMARY KEY (study_direction_id), \n\t"
       "UNIQUE (study_id, objective), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n);"},
      {"study_user_attributes",
       "CREATE TABLE study_user_attributes (\n\tstudy_user_attribute_id INTEGER NOT NULL, \n\tstudy_id INTEGER, \n\t"
       "\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (study_user_attribute_id), \n\t"
       "UNIQUE (study_id, \"key\"), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n);"},
      {"study_system_attributes",
       "CREATE TABLE study_system_attributes (\n\tstudy_system_attribute_id INTEGER NOT NULL, \n\tstudy_id INTEGER, "
       "\n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (study_system_attribute_id), \n\t"
       "UNIQUE (study_id, \"key\"), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n);"},
      {"trials",
       "CREATE TABLE trials (\n\ttrial_id INTEGER NOT NULL, \n\tnumber INTEGER, \n\tstudy_id INTEGER, \n\t"
       "state VARCHAR(8) NOT NULL, \n\tdatetime_start DATETIME, \n\tdatetime_complete DATETIME, \n\t"
       "PRIMARY KEY (trial_id), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n);"},
      {"trial_user_attributes",
       "CREATE TABLE trial_user_attributes (\n\ttrial_user_attribute_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\t"
       "\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (trial_user_attribute_id), \n\t"
       "UNIQUE (trial_id, \"key\"), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n);"},
      {"trial_system_attributes",
       "CREATE TABLE trial_system_attributes (\n\ttrial_system_attribute_id INTEGER NOT NULL, \n\ttrial_id INTEGER, "
       "\n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (trial_system_attribute_id), \n\t"
       "UNIQUE (trial_id, \"key\"), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n);"},
      {"trial_params",
       "CREATE TABLE trial_params (\n\tparam_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\tparam_name VARCHAR(512), "
       "\n\tparam_value FLOAT, \n\tdistribution_json TEXT, \n\tPRIMARY KEY (param_id), \n\t"
       "UNIQUE (trial_id, param_name), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n);"},
      {"trial_values",
       "CREATE TABLE trial_values (\n\ttrial_value_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\t"
       "objective INTEGER NOT NULL, \n\tvalue FLOAT, \n\tvalue_type VARCHAR(7) NOT NULL, \n\t"
       "PRIMARY KEY (trial_value_id), \n\tUNIQUE (trial_id, objective), \n\t"
       "FOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n);"},
      {"trial_intermediate_values",
       "CREATE TABLE trial_intermediate_values (\n\ttrial_intermediate_value_id INTEGER NOT NULL, \n\t"
       "trial_id INTEGER NOT NULL, \n\tstep INTEGER NOT NULL, \n\tintermediate_value FLOAT, \n\t"
       "intermediate_value_type VARCHAR(7) NOT NULL, \n\tPRIMARY KEY (trial_intermediate_value_id), \n\t"
       "UNIQUE (trial_id, step), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n);"},
      {"trial_heartbeats",
       "CREATE TABLE trial_heartbeats (\n\ttrial_heartbeat_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\t"
       "heartbeat DATETIME NOT NULL, \n\tPRIMARY KEY (trial_heartbeat_id), \n\tUNIQUE (trial_id), \n\t"
       "FOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n);"},
      {"alembic_version",
       "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\t"
       "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);"},
  };
  return tables;
}

const std::vector<std::pair<std::string_view, std::string_view>>& hpod_tables() {
  static const std::vector<std::pair<std::string_view, std::string_view>> tables = {
      {"hpod_study_meta",
       "CREATE TABLE hpod_study_meta (study_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
       "PRIMARY KEY (study_id, key))"},
      {"hpod_trial_meta",
       "CREATE TABLE hpod_trial_meta (trial_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
       "PRIMARY KEY (trial_id, key))"},
  };
  return tables;
}

bool is_older_revision(std::string_view revision) {
  static constexpr std::array<std::string_view, 8> older = {"v0.9.0.a", "v1.2.0.a", "v1.3.0.a", "v2.4.0.a",
                                                            "v2.6.0.a", "v3.0.0.a", "v3.0.0.b", "v3.0.0.c"};
  return std::find(older.begin(), older.end(), revision) != older.end();
}

}  // namespace hpod::schema
