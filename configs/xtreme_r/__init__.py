"""The paper's intermediate tasks against XTREME-R's targets."""
