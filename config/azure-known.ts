// What Azure offers, as far as this release knows: regions, VM sizes and the
// Windows time zone ids of auto-shutdown schedules. A name Azure added later is
// accepted when listed in dsenv:azureAllowUnlisted (docs/azure.md).

/** Public-cloud regions (az account list-locations --query "[].name"). */
export const AZURE_LOCATIONS = [
    "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast", "belgiumcentral", "brazilsouth", "brazilsoutheast",
    "canadacentral", "canadaeast", "centralindia", "centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral", "francesouth",
    "germanynorth", "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest", "jioindiacentral", "jioindiawest",
    "koreacentral", "koreasouth", "malaysiawest", "mexicocentral", "newzealandnorth", "northcentralus", "northeurope", "norwayeast", "norwaywest",
    "polandcentral", "qatarcentral", "southafricanorth", "southafricawest", "southcentralus", "southeastasia", "southindia", "spaincentral", "swedencentral",
    "swedensouth", "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westindia", "westus",
    "westus2", "westus3",
];

/** N-series sizes with NVIDIA GPUs Azure has (for the nearest-name hint); the ones dsenv supports are GPU_SIZES (azure-gpu-sizes.ts). */
export const NVIDIA_GPU_SIZES = [
    "Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3", "Standard_NC16as_T4_v3", "Standard_NC64as_T4_v3",
    "Standard_NC6s_v3", "Standard_NC12s_v3", "Standard_NC24s_v3", "Standard_NC24rs_v3",
    "Standard_NC24ads_A100_v4", "Standard_NC48ads_A100_v4", "Standard_NC96ads_A100_v4",
    "Standard_NC40ads_H100_v5", "Standard_NC80adis_H100_v5", "Standard_NCC40ads_H100_v5",
    "Standard_ND40rs_v2", "Standard_ND96asr_v4", "Standard_ND96amsr_A100_v4", "Standard_ND96isr_H100_v5", "Standard_ND96isr_H200_v5",
    "Standard_NV6ads_A10_v5", "Standard_NV12ads_A10_v5", "Standard_NV18ads_A10_v5", "Standard_NV36ads_A10_v5", "Standard_NV36adms_A10_v5", "Standard_NV72ads_A10_v5",
    "Standard_NV12s_v3", "Standard_NV24s_v3", "Standard_NV48s_v3",
];

/** N-series sizes with AMD GPUs (for the nearest-name hint); refused as GPU sizes without a driver path. */
export const OTHER_GPU_SIZES = [
    "Standard_NV4as_v4", "Standard_NV8as_v4", "Standard_NV16as_v4", "Standard_NV32as_v4",
    "Standard_NG8ads_V620_v1", "Standard_NG16ads_V620_v1", "Standard_NG32ads_V620_v1", "Standard_NG32adms_V620_v1",
    "Standard_NV4ads_V710_v5", "Standard_NV8ads_V710_v5", "Standard_NV12ads_V710_v5", "Standard_NV24ads_V710_v5", "Standard_NV28adms_V710_v5",
    "Standard_ND96isr_MI300X_v5",
];

/** General-purpose sizes for a stack without GPU workloads: each family with its vCPU counts. */
const CPU_FAMILIES: [string[], number[]][] = [
    [["D{n}s_v5", "D{n}ds_v5", "D{n}as_v5", "D{n}ads_v5", "D{n}_v5", "D{n}d_v5", "E{n}s_v5", "E{n}ds_v5", "E{n}as_v5", "E{n}ads_v5", "E{n}_v5", "E{n}d_v5"], [2, 4, 8, 16, 32, 48, 64, 96]],
    [["D{n}s_v6", "D{n}ds_v6", "D{n}as_v6", "D{n}ads_v6", "E{n}s_v6", "E{n}ds_v6", "E{n}as_v6", "E{n}ads_v6"], [2, 4, 8, 16, 32, 48, 64, 96]],
    [["D{n}s_v4", "D{n}ds_v4", "D{n}as_v4", "D{n}_v4", "E{n}s_v4", "E{n}ds_v4", "E{n}as_v4", "E{n}_v4"], [2, 4, 8, 16, 32, 48, 64]],
    [["F{n}s_v2", "F{n}as_v6", "F{n}als_v6", "F{n}ams_v6"], [2, 4, 8, 16, 32, 48, 64, 72]],
    [["B{n}s_v2", "B{n}as_v2", "B{n}ls_v2", "B{n}als_v2"], [2, 4, 8, 16, 32]],
    [["B{n}ms"], [1, 2, 4, 8, 12, 16, 20]],
    [["B{n}s"], [1, 2]],
];

export const CPU_SIZES = CPU_FAMILIES.flatMap(([patterns, counts]) => patterns.flatMap(p => counts.map(n => `Standard_${p.replace("{n}", String(n))}`)));

export const AZURE_VM_SIZES = [...NVIDIA_GPU_SIZES, ...OTHER_GPU_SIZES, ...CPU_SIZES];

/** Windows time zone ids (tzutil /l), which Azure's auto-shutdown schedules take. */
export const WINDOWS_TIME_ZONES = [
    "Dateline Standard Time", "UTC-11", "Aleutian Standard Time", "Hawaiian Standard Time", "Marquesas Standard Time", "Alaskan Standard Time", "UTC-09",
    "Pacific Standard Time (Mexico)", "UTC-08", "Pacific Standard Time", "US Mountain Standard Time", "Mountain Standard Time (Mexico)", "Mountain Standard Time",
    "Yukon Standard Time", "Central America Standard Time", "Central Standard Time", "Easter Island Standard Time", "Central Standard Time (Mexico)",
    "Canada Central Standard Time", "SA Pacific Standard Time", "Eastern Standard Time (Mexico)", "Eastern Standard Time", "Haiti Standard Time",
    "Cuba Standard Time", "US Eastern Standard Time", "Turks And Caicos Standard Time", "Paraguay Standard Time", "Atlantic Standard Time",
    "Venezuela Standard Time", "Central Brazilian Standard Time", "SA Western Standard Time", "Pacific SA Standard Time", "Newfoundland Standard Time",
    "Tocantins Standard Time", "E. South America Standard Time", "SA Eastern Standard Time", "Argentina Standard Time", "Greenland Standard Time",
    "Montevideo Standard Time", "Magallanes Standard Time", "Saint Pierre Standard Time", "Bahia Standard Time", "UTC-02", "Mid-Atlantic Standard Time",
    "Azores Standard Time", "Cape Verde Standard Time", "UTC", "GMT Standard Time", "Greenwich Standard Time", "Sao Tome Standard Time", "Morocco Standard Time",
    "W. Europe Standard Time", "Central Europe Standard Time", "Romance Standard Time", "Central European Standard Time", "W. Central Africa Standard Time",
    "Jordan Standard Time", "GTB Standard Time", "Middle East Standard Time", "Egypt Standard Time", "E. Europe Standard Time", "Syria Standard Time",
    "West Bank Standard Time", "South Africa Standard Time", "FLE Standard Time", "Israel Standard Time", "South Sudan Standard Time",
    "Kaliningrad Standard Time", "Sudan Standard Time", "Libya Standard Time", "Namibia Standard Time", "Arabic Standard Time", "Turkey Standard Time",
    "Arab Standard Time", "Belarus Standard Time", "Russian Standard Time", "E. Africa Standard Time", "Volgograd Standard Time", "Iran Standard Time",
    "Arabian Standard Time", "Astrakhan Standard Time", "Azerbaijan Standard Time", "Russia Time Zone 3", "Mauritius Standard Time", "Saratov Standard Time",
    "Georgian Standard Time", "Caucasus Standard Time", "Afghanistan Standard Time", "West Asia Standard Time", "Qyzylorda Standard Time",
    "Ekaterinburg Standard Time", "Pakistan Standard Time", "India Standard Time", "Sri Lanka Standard Time", "Nepal Standard Time",
    "Central Asia Standard Time", "Bangladesh Standard Time", "Omsk Standard Time", "Myanmar Standard Time", "SE Asia Standard Time", "Altai Standard Time",
    "W. Mongolia Standard Time", "North Asia Standard Time", "N. Central Asia Standard Time", "Tomsk Standard Time", "China Standard Time",
    "North Asia East Standard Time", "Singapore Standard Time", "W. Australia Standard Time", "Taipei Standard Time", "Ulaanbaatar Standard Time",
    "Aus Central W. Standard Time", "Transbaikal Standard Time", "Tokyo Standard Time", "North Korea Standard Time", "Korea Standard Time",
    "Yakutsk Standard Time", "Cen. Australia Standard Time", "AUS Central Standard Time", "E. Australia Standard Time", "AUS Eastern Standard Time",
    "West Pacific Standard Time", "Tasmania Standard Time", "Vladivostok Standard Time", "Lord Howe Standard Time", "Bougainville Standard Time",
    "Russia Time Zone 10", "Magadan Standard Time", "Norfolk Standard Time", "Sakhalin Standard Time", "Central Pacific Standard Time",
    "Russia Time Zone 11", "New Zealand Standard Time", "UTC+12", "Fiji Standard Time", "Kamchatka Standard Time", "Chatham Islands Standard Time", "UTC+13",
    "Tonga Standard Time", "Samoa Standard Time", "Line Islands Standard Time",
];
