# Runs once while the image is built, as user rstudio. Add what every project
# needs, e.g. install.packages("reticulate"); the default installs nothing.
message("setup.R: nothing to install")
